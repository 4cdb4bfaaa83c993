/* partner.h - the second process of every measurement (partner.c).
 *
 *     start_partner(m, ...)   m->setup, fork, pin both processes, attach both;
 *                             the child then runs body() and exits
 *     ... the exchange: m->send, m->recv ...
 *     wait_partner()          the child has ended, successfully
 *     remove_objects()        m->teardown
 *
 * Whatever ends the bench meanwhile (a failed call, the partner's death,
 * Ctrl+C), the partner is stopped and the mechanism's objects removed.
 */
#ifndef PARTNER_H
#define PARTNER_H

#include <stddef.h>

#include "mech.h"

#define PARTNER_BAD_MESSAGE 3 /* the exit status of a partner that got a wrong message */

void partner_init(void); /* once, before the first measurement */
void start_partner(const struct mech *m, size_t size, int cpu_parent, int cpu_child,
                   int (*body)(const struct mech *m, size_t size));
void wait_partner(void);
void remove_objects(void);

#endif
