/* percentile_cases.h: known values of the nearest-rank percentile, the one
 * home of the cases that two tests share: tests/unit/test_summary.c holds
 * client/summary.c's percentile() to them, tests/python/test_peer.py holds
 * peers/python_asyncio's, so that both clients report p50, p90, p99 and max
 * by the same definition (docs/summary.md).
 *
 * Nearest rank: the value of rank ceil(p/100 * n) of the n sorted values,
 * counted from 1, at least 1; never an interpolation between two values.
 *
 * One case a line, numbers only (test_peer.py reads them with a regular
 * expression):  PERCENTILE_CASE(p, expected, the sorted values...) */

/* One value: every percentile is it. */
PERCENTILE_CASE(0, 7, 7)
PERCENTILE_CASE(50, 7, 7)
PERCENTILE_CASE(100, 7, 7)
/* Three values (test_summary.c's records): p33 is rank ceil(0.99) = 1. */
PERCENTILE_CASE(33, 10, 10, 20, 30)
PERCENTILE_CASE(34, 20, 10, 20, 30)
PERCENTILE_CASE(50, 20, 10, 20, 30)
PERCENTILE_CASE(90, 30, 10, 20, 30)
PERCENTILE_CASE(99, 30, 10, 20, 30)
PERCENTILE_CASE(100, 30, 10, 20, 30)
/* An even count: p50 is the lower middle value, not the mean 2.5. */
PERCENTILE_CASE(25, 1, 1, 2, 3, 4)
PERCENTILE_CASE(50, 2, 1, 2, 3, 4)
PERCENTILE_CASE(51, 3, 1, 2, 3, 4)
PERCENTILE_CASE(75, 3, 1, 2, 3, 4)
PERCENTILE_CASE(76, 4, 1, 2, 3, 4)
/* Where rounding and ceil() differ: p50 of 5 is rank 2.5 -> 3 (rounding
 * half to even gives 2), p90 of 7 is rank 6.3 -> 7 (rounding gives 6). */
PERCENTILE_CASE(50, 3, 1, 2, 3, 4, 5)
PERCENTILE_CASE(90, 7, 1, 2, 3, 4, 5, 6, 7)
/* Ten values: ranks that are whole numbers stay (p90 is the 9th), p99 is
 * rank 9.9 -> 10 (taking the floor would give the 9th). */
PERCENTILE_CASE(10, 1.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5)
PERCENTILE_CASE(11, 2.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5)
PERCENTILE_CASE(50, 5.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5)
PERCENTILE_CASE(90, 9.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5)
PERCENTILE_CASE(99, 10.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5)
PERCENTILE_CASE(100, 10.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5)
/* Twenty values: p95 is the 19th, p99 the 20th. */
PERCENTILE_CASE(90, 18, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20)
PERCENTILE_CASE(95, 19, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20)
PERCENTILE_CASE(99, 20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20)
/* Ties: the rank falls among equal values or just past them. */
PERCENTILE_CASE(75, 5, 5, 5, 5, 9)
PERCENTILE_CASE(76, 9, 5, 5, 5, 9)
/* Fractions of a millisecond are kept as they are. */
PERCENTILE_CASE(50, 1.25, 0.5, 1.25, 2.75)
