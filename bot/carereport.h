/*
 * carereport.h - chathost report --care: the care watch's review, from
 * its logs (LOGS/NAME/care/YYYY-MM-DD.jsonl, care.h): the cases, how many
 * were answered and within the SLA, the first response's median and p90
 * (staffed time), per staff member, per category and per network, and
 * every case never answered or answered late, with its link. As text,
 * csv (one row per case), json or html.
 */
#ifndef CHATHOST_CAREREPORT_H
#define CHATHOST_CAREREPORT_H

#include "report.h"

/* The inputs of o are care logs, folders of them, or a chat's log folder
 * (its care/ is read). Returns the exit status: 0, 1 (nothing to read, a
 * file that cannot be read, the output cannot be written). */
int ch_care_report_run(const struct ch_report_opts *o);

#endif
