/* SPDX-License-Identifier: BSD-2-Clause */
/* commands.h - one entry point per subcommand; each returns an exit code (0, 1, 2). */
#ifndef PL_COMMANDS_H
#define PL_COMMANDS_H

int cmd_monitor(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_drops(int argc, char **argv);
int cmd_protect(int argc, char **argv);
int cmd_block(int argc, char **argv);
int cmd_unblock(int argc, char **argv);
int cmd_blocked(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
