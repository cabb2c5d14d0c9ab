/* unit.h - shared main() for the Check unit tests: each test file defines
 * `static Suite *suite(void)` and includes this header last. */
#ifndef CHATHOST_UNIT_H
#define CHATHOST_UNIT_H

#include <check.h>
#include <stdlib.h>

static Suite *suite(void);

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
