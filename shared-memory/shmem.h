/* shmem.h - the protocol shared by memwriter and memreader.
 *
 * One POSIX shared-memory segment carries the text; two named semaphores
 * carry the handshake (both start at 0, each counts events not yet seen):
 *
 *   memwriter                                 memreader
 *   create semaphores, then the segment
 *   lock the segment (fcntl): "I am alive"    find a locked segment
 *   write the text, sem_post(ready) ------->  sem_wait(ready)
 *                                             read the text
 *   sem_wait(done)  <-----------------------  sem_post(done)
 *   unlink segment and semaphores             exit
 *   exit
 *
 * The names are what the kernel knows them by: shm_open("/shMemEx") is
 * /dev/shm/shMemEx, sem_open("/mysemaphore") is /dev/shm/sem.mysemaphore
 * (ERRATA SHM-6: portable names start with '/' and have no other '/').
 */
#ifndef SHMEM_H
#define SHMEM_H

#define BackingFile "/shMemEx"       /* segment name (option -m) */
#define ByteSize 512                 /* segment size in bytes */
#define AccessPerms 0600             /* owner only (the article used 0644) */
#define SemaphoreName "/mysemaphore" /* "text written": writer posts, reader waits (option -s) */
#define DoneSuffix "-done"           /* "/mysemaphore-done": reader posts, writer waits */
#define MemContents "This is the way the world ends...\n"

#endif
