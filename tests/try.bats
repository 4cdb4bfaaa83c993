#!/usr/bin/env bats
# ./try (make try PAIR=...): a pair in two tmux panes, driven for real with
# tmux send-keys and read back with capture-pane.

load test_helper

local_setup() {
    export TMUX_TMPDIR=$BATS_TEST_TMPDIR # a tmux server of our own
    export TRY_SESSION=try$TAG
    export TRY_WORKDIR=$BATS_TEST_TMPDIR/work
    mkdir -p "$TRY_WORKDIR"
}

local_teardown() {
    local server
    command -v tmux >/dev/null || return 0
    server=$(tmux display-message -p '#{pid}' 2>/dev/null) || return 0
    tmux kill-server 2>/dev/null
    wait_until 10 refute alive "$server"
    rm -rf "$TMUX_TMPDIR/tmux-$(id -u)" # its socket
}

pane() { tmux capture-pane -p -J -t "$TRY_SESSION:0.$1"; }
pane_has() { pane "$1" | grep -qE -- "$2"; }

@test "try shared-files: consumer on the left waits, producer on the right writes" {
    need tmux tmux
    run env IPC_TEST_TAG="$TAG" "$REPO/try" shared-files --no-attach
    [ "$status" -eq 0 ]
    [[ "$output" == *"tmux kill-session -t $TRY_SESSION"* ]]
    wait_until 30 pane_has 0 'Made glorious summer by this sun of York'
    pane_has 0 'Now is the winter of our discontent'
    wait_until 30 pane_has 1 'Process [0-9]+ has written to data file'
    [ "$(tmux list-panes -t "$TRY_SESSION" | wc -l)" -eq 2 ]
}

@test "try pipes: both panes show the article's figures, then take typed commands" {
    need tmux tmux
    run env IPC_TEST_TAG="$TAG" "$REPO/try" pipes --no-attach
    [ "$status" -eq 0 ]
    wait_until 60 pane_has 0 'Received ints: 768000, primes: 37682'
    wait_until 60 pane_has 1 '768000 ints sent to the pipe\.'
    # the panes stay open to type into
    tmux send-keys -t "$TRY_SESSION:0.1" "echo typed-\$((6 * 7))" Enter
    wait_until 10 pane_has 1 '^typed-42$'
    refute test -e "$TRY_WORKDIR/fifoChannel"
}

@test "try signals: the sender pane uses the PID the receiver pane prints" {
    need tmux tmux
    run env IPC_TEST_TAG="$TAG" "$REPO/try" signals --no-attach
    [ "$status" -eq 0 ]
    wait_until 30 pane_has 0 '^SIGUSR1 from PID [0-9]+, value 7$'
    pid=$(pane 0 | sed -nE 's/^sigreceiver: PID ([0-9]+),.*/\1/p')
    wait_until 10 pane_has 1 "sent SIGUSR1 to $pid, value 7"
    tmux send-keys -t "$TRY_SESSION:0.1" "kill $pid" Enter
    wait_until 10 pane_has 0 '^received:$'
}

@test "without tmux, try prints the two commands for every pair" {
    for pair in shared-files shared-memory pipes pipeUN message-queues posix-mq sockets sockets-unix shutdown signals signalfd; do
        run env TRY_TMUX=no-such-tmux "$REPO/try" "$pair"
        [ "$status" -eq 0 ]
        [[ "$output" == "tmux is not installed"*"terminal 1: "* ]]
    done
    run env TRY_TMUX=no-such-tmux "$REPO/try" sockets
    [[ "$output" == *"terminal 1: $REPO/sockets/server"*"terminal 2: $REPO/sockets/client"* ]]
}

@test "try: an unknown pair or option is a usage error, exit 2" {
    run "$REPO/try" nosuchpair --no-attach
    [ "$status" -eq 2 ]
    run "$REPO/try" --bogus
    [ "$status" -eq 2 ]
    run "$REPO/try" --help
    [ "$status" -eq 0 ]
    [[ "$output" == "Usage: ./try PAIR"* ]]
}

@test "try --watch sockets-unix: a third pane across the bottom watches the pair's socket and server live" {
    need tmux tmux
    run env IPC_TEST_TAG="$TAG" "$REPO/try" sockets-unix --watch --no-attach
    [ "$status" -eq 0 ]
    [[ "$output" == *"closes the three panes."* ]]
    [ "$(tmux list-panes -t "$TRY_SESSION" | wc -l)" -eq 3 ]
    # pane 2 spans the window's width, below the two programs
    [ "$(tmux display-message -p -t "$TRY_SESSION:0.2" '#{pane_width}')" -eq \
        "$(tmux display-message -p -t "$TRY_SESSION:0" '#{window_width}')" ]
    [ "$(tmux display-message -p -t "$TRY_SESSION:0.2" '#{pane_top}')" -gt 0 ]
    wait_until 30 pane_has 1 'Client done, about to exit'
    wait_until 30 pane_has 2 '^watch sockets-unix: '
    wait_until 30 pane_has 2 'unix +echo\.sock +stream LISTEN'
    wait_until 30 pane_has 2 '[0-9]+ server: blocked in '
    # Ctrl-C in the left pane: the server removes its socket, and the watch
    # (refreshing) shows it gone
    tmux send-keys -t "$TRY_SESSION:0.0" C-c
    wait_until 30 refute test -e "$TRY_WORKDIR/echo.sock"
    wait_until 30 pane_has 2 'none of client, server running'
}

@test "try --watch without tmux prints the watch command for a third terminal" {
    run env TRY_TMUX=no-such-tmux "$REPO/try" --watch pipes
    [ "$status" -eq 0 ]
    [[ "$output" == "tmux is not installed: open three terminals in $TRY_WORKDIR and run"* ]]
    [[ "$output" == *"terminal 3: $REPO/scripts/watch --dir $TRY_WORKDIR pipes"* ]]
}
