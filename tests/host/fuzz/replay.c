/*
 * replay.c - runs a fuzz target without libFuzzer, for ctest: every file of
 * the corpus directories given as arguments, then cheap deterministic
 * mutations of each (bit flips, cuts, duplications; 20000 per file, fewer
 * when the corpus is large: MUTATIONS_TOTAL shared out), so the
 * regular build exercises each parser with hostile bytes on every run.
 * `tools/pod fuzz NAME` runs the same target under clang's libFuzzer.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_INPUT (1 << 20)
#define MUTATIONS_EACH   20000

/* Mutations per corpus file: a budget for the whole corpus, so that a
 * target with many seeds still replays in seconds, within these bounds. A
 * target whose every run is expensive (RSA) sets a smaller budget by
 * defining fuzz_replay_mutations_total. */
#define MUTATIONS_TOTAL 60000
#define MUTATIONS_MIN   500

extern const int fuzz_replay_mutations_total __attribute__((weak));

static int mutations_each = MUTATIONS_EACH;

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
next_rand(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void
mutate_and_run(const uint8_t *seed, size_t len, uint8_t *work)
{
    for (int i = 0; i < mutations_each; i++) {
        size_t n = len;
        memcpy(work, seed, len);
        switch (next_rand() % 4) {
        case 0: /* flip a few bits */
            for (int k = 0; n && k < 1 + (int)(next_rand() % 4); k++)
                work[next_rand() % n] ^= (uint8_t)(1u << (next_rand() % 8));
            break;
        case 1: /* cut */
            n = n ? next_rand() % n : 0;
            break;
        case 2: /* overwrite with an interesting byte */
            if (n) {
                static const uint8_t bytes[] = {0, '\n', '=', '"', '#', 0xff, '\r', '-', '_'};
                work[next_rand() % n] = bytes[next_rand() % sizeof bytes];
            }
            break;
        default: /* duplicate a slice at the end */
            if (n && n * 2 < REPLAY_MAX_INPUT) {
                size_t from = next_rand() % n, cnt = 1 + next_rand() % (n - from);
                memcpy(work + n, work + from, cnt);
                n += cnt;
            }
        }
        LLVMFuzzerTestOneInput(work, n);
    }
}

static int
count_files(int argc, char **argv)
{
    int files = 0;

    for (int a = 1; a < argc; a++) {
        DIR *d = opendir(argv[a]);
        struct dirent *e;
        if (!d)
            continue;
        while ((e = readdir(d)))
            files += e->d_name[0] != '.';
        closedir(d);
    }
    return files;
}

int
main(int argc, char **argv)
{
    uint8_t *buf = malloc(REPLAY_MAX_INPUT), *work = malloc(2 * REPLAY_MAX_INPUT);
    int files = 0, total = count_files(argc, argv), budget = MUTATIONS_TOTAL;

    if (!buf || !work)
        return 1;
    if (&fuzz_replay_mutations_total)
        budget = fuzz_replay_mutations_total;
    if (total > 0 && budget / total < mutations_each)
        mutations_each = budget / total;
    if (mutations_each < MUTATIONS_MIN)
        mutations_each = MUTATIONS_MIN;
    for (int a = 1; a < argc; a++) {
        DIR *d = opendir(argv[a]);
        struct dirent *e;
        if (!d) {
            fprintf(stderr, "replay: cannot open corpus %s\n", argv[a]);
            return 1;
        }
        while ((e = readdir(d))) {
            char path[4096];
            FILE *f;
            size_t n;
            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof path, "%s/%s", argv[a], e->d_name);
            f = fopen(path, "rb");
            if (!f)
                continue;
            n = fread(buf, 1, REPLAY_MAX_INPUT, f);
            fclose(f);
            LLVMFuzzerTestOneInput(buf, n);
            mutate_and_run(buf, n, work);
            files++;
        }
        closedir(d);
    }
    printf("replay: %d corpus files, %d mutations each, no crash\n", files, mutations_each);
    free(buf);
    free(work);
    return files > 0 ? 0 : 1;
}
