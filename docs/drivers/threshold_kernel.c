/* The implementation under test, as a user's C library would have it: the source document's §3.1,
   w_hat_i = w_i if |w_i| > eps, 0 otherwise (strict: an entry with |w_i| == eps is removed). */
#include <math.h>
#include <stddef.h>

void threshold(const double *w, size_t n, double eps, double *out) {
    for (size_t i = 0; i < n; i++)
        out[i] = fabs(w[i]) > eps ? w[i] : 0.0;
}
