/* keitsu: the police information and communications platform (警察情報通信基盤). */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fputs(
        "usage: keitsu <command> [options]\n"
        "\n"
        "  serve --data DIR [--listen 127.0.0.1:8080] [--db URL] [--demo] [--threads N]\n"
        "        [--tls-cert CERT.pem --tls-key KEY.pem]   (HTTPS only)\n"
        "        [--session-ttl SECONDS] [--demo-persons N] [--demo-vehicles N]\n"
        "        [--site NAME] [--nats nats://HOST:PORT] [--web DIR] [--avl-stale SECONDS]\n"
        "        [--event-ring N]\n"
        "                            run the platform server (API, live events, console)\n"
        "  user add --data DIR NAME --role ROLE [--agency AGENCY] [--station ID] [--db URL]\n"
        "                            add a user; the password is read from standard input\n"
        "  query person NAME --reason R [--birth-date YYYY-MM-DD] [--sex M|F]\n"
        "  query vehicle (--plate P | --vin V) --reason R\n"
        "  query firearm SERIAL --reason R\n"
        "  query document (NUMBER [--country C] | --mrz MRZ) --reason R\n"
        "        [--server URL] [--json]  (token from KEITSU_TOKEN, or --user NAME with the\n"
        "                            password on standard input)\n"
        "  records import FILE.jsonl --data DIR --user NAME [--db URL]\n"
        "                            bulk load, all or nothing; password on standard input\n"
        "  audit verify --data DIR [--db URL]\n"
        "                            check the audit trail's hash chain\n"
        "  licence assess < history.json\n"
        "                            a driver's point history (JSON) to its disposition\n"
        "  afis extract IMAGE OUT.iso | afis match A B | afis search PROBE GALLERY...\n"
        "  afis synth OUTDIR [--fingers N] [--impressions N] [--latent] [--seed S]\n"
        "                            fingerprints offline (ISO/ANSI templates; see docs/afis.md)\n"
        "  image info|hash|mmls|body|cat|stat|timeline|dfxml|carve|triage|search|yara|report|\n"
        "        case|register …  (keitsu image with no arguments lists them)\n"
        "                            forensic examination of a disk image (docs/forensics.md)\n",
        f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "serve") == 0) return cmd_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "user") == 0) return cmd_user(argc - 1, argv + 1);
    if (strcmp(cmd, "query") == 0) return cmd_query(argc - 1, argv + 1);
    if (strcmp(cmd, "records") == 0) return cmd_records(argc - 1, argv + 1);
    if (strcmp(cmd, "audit") == 0) return cmd_audit(argc - 1, argv + 1);
    if (strcmp(cmd, "licence") == 0) return cmd_licence(argc - 1, argv + 1);
    if (strcmp(cmd, "afis") == 0) return cmd_afis(argc - 1, argv + 1);
    if (strcmp(cmd, "image") == 0) return cmd_image(argc - 1, argv + 1);
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "keitsu: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
