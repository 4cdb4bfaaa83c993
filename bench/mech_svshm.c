/* mech_svshm.c - System V shared memory with a System V semaphore set
 * (sysv-shm).
 *
 * The same ring as shm-ring (8 slots per direction, a count of free and of
 * used slots), built from the older System V calls: shmget creates a
 * segment and shmat maps it; semget creates a set of counting semaphores,
 * and semop waits on or signals them. The difference to see: a System V
 * semaphore operation is always a system call, where a POSIX semaphore
 * stays in user space unless it has to sleep or wake someone.
 *
 * Lifetime: System V objects live until removed, not until their last
 * user is gone. A segment can be marked for removal while mapped
 * (IPC_RMID): it goes when the last process unmaps it, so it is marked at
 * once. A semaphore set is removed on the spot, so it must wait for the
 * end: teardown removes it. (A bench killed with SIGKILL leaves it behind:
 * `ipcs -s` shows it, `ipcrm -s ID` removes it.)
 */
#define _XOPEN_SOURCE 700 /* System V shared memory and semaphores (XSI) */
#include <errno.h>
#include <string.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include "ipc.h"
#include "mech.h"

#define RING_SLOTS 8
/* The semaphores of the set, by number: for each direction d, the count
 * of its free slots and of its used ones. */
static const unsigned short free_sem[2] = {0, 2}, used_sem[2] = {1, 3};

struct ring {
    unsigned head, tail; /* next slot to write (writer only) / to read (reader only) */
    char slot[RING_SLOTS][MAXMSG];
};
static struct ring *ring = NULL; /* [2]: one per direction, in the segment */
static int semid = -1;

/* semctl's fourth argument, a union the caller declares (XSI); here only
 * the member that SETALL reads. */
union semun {
    unsigned short *array;
};

static void setup_sysv_shm(size_t size)
{
    (void)size;
    /* IPC_PRIVATE: new objects with no key, reachable only by their ids,
     * which the child inherits with everything else. */
    int shmid = shmget(IPC_PRIVATE, 2 * sizeof *ring, IPC_CREAT | 0600);
    die_if(shmid == -1, "shmget");
    void *p = shmat(shmid, NULL, 0); /* a fork()ed child inherits the attachment */
    int shmat_errno = errno;
    /* Marked for removal at once, even if shmat failed: it goes with the
     * last detach, which is the child's or ours, whichever comes last. */
    die_if(shmctl(shmid, IPC_RMID, NULL) == -1, "shmctl IPC_RMID");
    errno = shmat_errno;
    die_if(p == (void *)-1, "shmat"); // NOLINT(performance-no-int-to-ptr): shmat's failure value
    ring = p; /* new segments are zero-filled: head = tail = 0 */

    semid = semget(IPC_PRIVATE, 4, IPC_CREAT | 0600);
    die_if(semid == -1, "semget");
    /* A new set's values are 0 on Linux, though POSIX leaves them undefined:
     * set them all, before the child exists, so no one waits on a set not
     * yet initialized (the System V semaphore's classic race). */
    unsigned short initial[4];
    for (int d = 0; d < 2; d++) {
        initial[free_sem[d]] = RING_SLOTS;
        initial[used_sem[d]] = 0;
    }
    union semun arg;
    arg.array = initial;
    die_if(semctl(semid, 0, SETALL, arg) == -1, "semctl SETALL");
}

/* One operation on one semaphore: -1 waits until it can decrement, +1
 * increments and wakes a waiter. No SEM_UNDO: a count of slots must not be
 * undone when a process exits. */
static void sem_add(unsigned short which, short delta)
{
    struct sembuf op = {.sem_num = which, .sem_op = delta, .sem_flg = 0};
    while (semop(semid, &op, 1) == -1)
        retry_if_interrupted("semop");
}
static void send_sysv_shm(int role, const void *msg, size_t size)
{
    struct ring *r = &ring[role];
    sem_add(free_sem[role], -1);
    memcpy(r->slot[r->head], msg, size);
    r->head = (r->head + 1) % RING_SLOTS;
    sem_add(used_sem[role], +1);
}
static void recv_sysv_shm(int role, void *msg, size_t size)
{
    struct ring *r = &ring[!role];
    sem_add(used_sem[!role], -1);
    memcpy(msg, r->slot[r->tail], size);
    r->tail = (r->tail + 1) % RING_SLOTS;
    sem_add(free_sem[!role], +1);
}
static void remove_sysv_shm(void)
{
    if (ring != NULL)
        warn_if(shmdt(ring) == -1, "shmdt"); /* the last detach: the segment goes */
    ring = NULL;
    if (semid != -1)
        warn_if(semctl(semid, 0, IPC_RMID) == -1, "semctl IPC_RMID");
    semid = -1;
}

const struct mech mech_sysv_shm = {
    .name = "sysv-shm", .what = "System V shared memory ring (shmget/shmat), a System V semaphore set (semop)",
    .setup = setup_sysv_shm, .send = send_sysv_shm, .recv = recv_sysv_shm, .teardown = remove_sysv_shm,
};
