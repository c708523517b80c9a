/* A refimpl candidate-protocol driver (version 1) for a C threshold kernel; docs/conformance.md has the grammar.
     cc -std=c99 -O2 threshold_driver.c threshold_kernel.c -lm -o threshold_driver
     refimpl check threshold --exec ./threshold_driver
   It reads one JSON object per line on stdin and answers one per line on stdout. It is not a JSON parser: it scans
   for the keys of the checker's messages, which version 1 writes compactly and in a fixed order. Floats travel as
   C99 hex floats: strtod reads them and printf("%a") writes them, both exactly. */
#define _POSIX_C_SOURCE 200809L /* getline */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void threshold(const double *w, size_t n, double eps, double *out); /* the kernel under test */

/* The text just after the first `key` in `s` (NULL if absent). */
static const char *after(const char *s, const char *key) {
    const char *p = s ? strstr(s, key) : NULL;
    return p ? p + strlen(key) : NULL;
}

/* Parse n hex strings from `p`, which points just after `"hex":[`. Returns 0 if one is malformed. */
static int read_hex(const char *p, double *out, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char *end;
        if (!(p = strchr(p, '"'))) return 0;
        out[i] = strtod(p + 1, &end);
        if (*end != '"') return 0;
        p = end + 1;
    }
    return 1;
}

int main(void) {
    char *line = NULL;
    size_t cap = 0;
    if (getline(&line, &cap, stdin) < 0) return 1; /* 1. the handshake */
    if (!strstr(line, "\"op\":\"threshold\"")) {
        printf("{\"error\":\"this driver implements threshold only\"}\n");
        return 0;
    }
    printf("{\"protocol\":\"refimpl-candidate\",\"version\":1,\"op\":\"threshold\"}\n");
    fflush(stdout);
    while (getline(&line, &cap, stdin) >= 0) { /* 2. one answer per case, until the checker closes stdin */
        long id = strtol(after(line, "\"case\":"), NULL, 10);
        const char *w = after(line, "\"w\":"), *shape = after(w, "\"shape\":");
        int shape_len = (int)(strchr(shape, ']') - shape + 1); /* "[2,3]", echoed as the result's shape */
        size_t n = 1;                                           /* the product of the sizes (1 for "[]") */
        for (const char *p = shape + 1; *p != ']';) {
            char *end;
            n *= strtoul(p, &end, 10);
            p = *end == ',' ? end + 1 : end;
        }
        double eps, *in = malloc((n ? n : 1) * sizeof *in), *out = malloc((n ? n : 1) * sizeof *out);
        if (!in || !out || !read_hex(after(w, "\"hex\":["), in, n) ||
            !read_hex(after(after(line, "\"eps\":"), "\"hex\":"), &eps, 1)) {
            printf("{\"case\":%ld,\"error\":\"cannot read the inputs\"}\n", id);
        } else {
            threshold(in, n, eps, out);
            printf("{\"case\":%ld,\"result\":{\"dtype\":\"float64\",\"shape\":%.*s,\"hex\":[", id, shape_len, shape);
            for (size_t i = 0; i < n; i++) printf("%s\"%a\"", i ? "," : "", out[i]);
            printf("]}}\n");
        }
        fflush(stdout);
        free(in);
        free(out);
    }
    free(line);
    return 0; /* 3. end of input: exit */
}
