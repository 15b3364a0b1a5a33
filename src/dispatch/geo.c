/* Distances on the sphere: the part of geo.h the index, areas and PIDF-LO all rely on. */
#include "dispatch/geo.h"

#include <math.h>

#define EARTH_R_M 6371008.8
#define RAD (3.14159265358979323846 / 180.0)

int geo_valid(double lat, double lon)
{
    return isfinite(lat) && isfinite(lon) && lat >= -90.0 && lat <= 90.0 && lon >= -180.0 &&
           lon <= 180.0;
}

double geo_distance_m(double lat1, double lon1, double lat2, double lon2)
{
    double p1 = lat1 * RAD, p2 = lat2 * RAD;
    double sp = sin((p2 - p1) / 2), sl = sin((lon2 - lon1) * RAD / 2);
    double h = sp * sp + cos(p1) * cos(p2) * sl * sl;
    /* Rounding can push h a hair past 1 for antipodes, where asin would give NaN. */
    if (h > 1.0) h = 1.0;
    return 2.0 * EARTH_R_M * asin(sqrt(h));
}
