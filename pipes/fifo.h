/* fifo.h - the protocol shared by fifoWriter and fifoReader.
 *
 * The writer sends MaxLoops x ChunkSize chunks of IntsPerChunk ints
 * (native byte order, 4 bytes each) through a named pipe, pausing a random
 * 1..MaxZs microseconds after each loop. There is no header and no trailer:
 * the stream ends when the writer closes its end, and the reader checks
 * that it got all MaxLoops x ChunkSize x IntsPerChunk ints.
 */
#ifndef FIFO_H
#define FIFO_H

#define FifoName "./fifoChannel" /* the rendezvous name in the file system (option -p) */
#define MaxLoops 12000           /* outer loop (option -n) */
#define ChunkSize 16             /* chunks written per loop */
#define IntsPerChunk 4           /* ints per chunk: one 16-byte write, atomic (< PIPE_BUF) */
#define MaxZs 250                /* max microseconds to pause per loop (option -d) */
#define AccessPerms 0600         /* owner only (the article used 0666) */

#endif
