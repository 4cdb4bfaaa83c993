# shellcheck shell=bash
# shellcheck disable=SC2034 # the PAIR_* variables are read by the scripts that source this
# scripts/pairs.sh - every pair of the suite, once: what try, demo, trace,
# watch, doctor and stress need to know about it. Source it, then call
# `pair_info NAME` to set the variables below (returns 1 for an unknown name).
#
#   PAIR_DIR    the directory of its programs
#   PAIR_LEFT   the program that waits for its partner (started first), with
#               its arguments; the whole run for a program that forks its
#               own partner (pipeUN, shutdown)
#   PAIR_RIGHT  the partner (empty when there is none); "PID" in it stands
#               for the left program's PID, which the left program prints
#               first as "NAME: PID N, ..."
#   PAIR_MODE   how the article's run goes (make demo, make trace):
#                 both  left in the background, then right, left waited for
#                       (make demo starts right, the writer, first instead)
#                 seq   right to its end, then left (the article's order for
#                       producer/consumer and sender/receiver)
#                 stop  left is a server: right, then SIGTERM to left
#                 one   left alone
#                 sig   left, then right with left's PID, then SIGTERM to left
#   PAIR_OBJECTS what the pair creates with its defaults, for watch and
#               doctor: kind:name words. Kinds: file fifo unix (a path; a
#               relative one is in the directory the programs run in), shm
#               sem mq (a POSIX name, /NAME), tcp udp (a port), sysvq
#               sysvshm sysvsem (FILE:ID, an ftok key; FILE is beside the
#               programs)
#   PAIR_NEEDS  kernel limits its run needs, for doctor: sysctl>=MIN words
#               (fs.mqueue.msg_max>=6); doctor reads /proc/sys/fs/mqueue/msg_max
#   PAIR_DEMO   "no": make demo leaves the pair out (a variant of a pair it
#               shows, or a run that needs the partner's PID)
#   PAIR_TITLE  one line for headings
#
# Adding a pair: one `case` entry here, and its name in PAIR_NAMES (in the
# order of the articles: make demo runs them in that order). try, demo,
# watch and doctor need nothing else.

PAIR_NAMES="shared-files shared-memory sysv-shm pipeUN pipes message-queues posix-mq sockets pollserver sockets-unix datagrams datagrams-unix fd-passing shutdown signals signalfd"

pair_info() {
    PAIR_RIGHT="" PAIR_OBJECTS="" PAIR_NEEDS="" PAIR_DEMO=""
    case $1 in
    shared-files)
        PAIR_DIR=shared-files PAIR_LEFT=consumer PAIR_RIGHT=producer PAIR_MODE=seq
        PAIR_OBJECTS="file:data.dat" PAIR_TITLE="shared files (part 1)" ;;
    shared-memory)
        PAIR_DIR=shared-memory PAIR_LEFT=memreader PAIR_RIGHT=memwriter PAIR_MODE=both
        PAIR_OBJECTS="shm:/shMemEx sem:/mysemaphore sem:/mysemaphore-done"
        PAIR_TITLE="shared memory (part 1)" ;;
    sysv-shm)
        PAIR_DIR=shared-memory PAIR_LEFT=svreader PAIR_RIGHT=svwriter PAIR_MODE=both
        PAIR_OBJECTS="sysvshm:svshm.h:124 sysvsem:svshm.h:124"
        PAIR_TITLE="System V shared memory (beyond the article)" ;;
    pipes)
        PAIR_DIR=pipes PAIR_LEFT=fifoReader PAIR_RIGHT=fifoWriter PAIR_MODE=both
        PAIR_OBJECTS="fifo:fifoChannel" PAIR_TITLE="named pipe (part 2)" ;;
    pipeUN)
        PAIR_DIR=pipes PAIR_LEFT=pipeUN PAIR_MODE=one PAIR_TITLE="unnamed pipe (part 2)" ;;
    message-queues)
        PAIR_DIR=message-queues PAIR_LEFT=receiver PAIR_RIGHT=sender PAIR_MODE=seq
        PAIR_OBJECTS="sysvq:queue.h:123" PAIR_NEEDS="kernel.msgmni>=1 kernel.msgmax>=5 kernel.msgmnb>=30"
        PAIR_TITLE="System V message queue (part 2)" ;;
    posix-mq)
        PAIR_DIR=message-queues PAIR_LEFT=mqreceiver PAIR_RIGHT=mqsender PAIR_MODE=both
        PAIR_OBJECTS="mq:/mqpair" PAIR_NEEDS="fs.mqueue.msg_max>=6 fs.mqueue.msgsize_max>=5 fs.mqueue.queues_max>=1"
        PAIR_TITLE="POSIX message queue (beyond the article)" ;;
    sockets)
        PAIR_DIR=sockets PAIR_LEFT=server PAIR_RIGHT=client PAIR_MODE=stop
        PAIR_OBJECTS="tcp:9876" PAIR_TITLE="sockets (part 3)" ;;
    pollserver)
        PAIR_DIR=sockets PAIR_LEFT=pollserver PAIR_RIGHT=client PAIR_MODE=stop
        PAIR_OBJECTS="tcp:9876" PAIR_TITLE="sockets, one process for every client (beyond the article)" ;;
    sockets-unix)
        PAIR_DIR=sockets PAIR_LEFT="server -u echo.sock" PAIR_RIGHT="client -u echo.sock" PAIR_MODE=stop
        PAIR_OBJECTS="unix:echo.sock" PAIR_DEMO=no PAIR_TITLE="UNIX-domain sockets (beyond the article)" ;;
    datagrams)
        PAIR_DIR=sockets PAIR_LEFT=dgserver PAIR_RIGHT=dgclient PAIR_MODE=stop
        PAIR_OBJECTS="udp:9877" PAIR_TITLE="datagram sockets, UDP (beyond the article)" ;;
    datagrams-unix)
        PAIR_DIR=sockets PAIR_LEFT="dgserver -u dgram.sock" PAIR_RIGHT="dgclient -u dgram.sock" PAIR_MODE=stop
        PAIR_OBJECTS="unix:dgram.sock" PAIR_DEMO=no PAIR_TITLE="UNIX-domain datagram sockets (beyond the article)" ;;
    fd-passing)
        PAIR_DIR=sockets PAIR_LEFT=fdreceiver PAIR_RIGHT=fdsender PAIR_MODE=both
        PAIR_OBJECTS="unix:fdpass.sock" PAIR_TITLE="a sealed memfd passed over a UNIX socket (beyond the article)" ;;
    shutdown)
        PAIR_DIR=signals PAIR_LEFT=shutdown PAIR_MODE=one PAIR_TITLE="signals (part 3)" ;;
    signals)
        PAIR_DIR=signals PAIR_LEFT=sigreceiver PAIR_RIGHT="sigsender PID USR1 7" PAIR_MODE=sig
        PAIR_DEMO=no PAIR_TITLE="signals between two terminals (beyond the article)" ;;
    signalfd)
        PAIR_DIR=signals PAIR_LEFT=sigfdreceiver PAIR_RIGHT="sigsender PID USR1 7" PAIR_MODE=sig
        PAIR_DEMO=no PAIR_TITLE="signals read from a descriptor, signalfd (beyond the article)" ;;
    *) return 1 ;;
    esac
}
