#ifndef MRW_BASE_CLOCK_H
#define MRW_BASE_CLOCK_H

/* Milliseconds on a monotonic clock, for stage timings. */
double mrw_clock_ms(void);

#endif
