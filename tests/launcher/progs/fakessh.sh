#!/bin/sh
# Stands in for ssh in the launcher tests (mpiexec -launcher-exec): checks the
# arguments mpiexec gives ssh, logs the call, and runs the remote command on
# this machine in a clean environment, as sshd would on another host.
#   FAKESSH_LOG  file that gets one line per call
#   FAKESSH_GO   wait (at most 20 s) until this file exists before starting
#   FAKESSH_HIDE a directory this "host" does not have (root only: an empty
#                tmpfs over it in a mount namespace of the remote command)
if [ $# -ne 5 ] || [ "$1" != -x ] || [ "$2" != -o ] || [ "$3" != BatchMode=yes ]; then
    echo "fakessh: unexpected arguments: $*" >&2
    exit 98
fi
host=$4
[ -n "$FAKESSH_LOG" ] && echo "$*" >> "$FAKESSH_LOG"
if [ -n "$FAKESSH_GO" ]; then
    i=0
    while [ ! -e "$FAKESSH_GO" ] && [ $i -lt 400 ]; do
        sleep 0.05
        i=$((i + 1))
    done
fi
case $host in
127.*) ;;
*)  echo "ssh: Could not resolve hostname $host: Name or service not known" >&2
    exit 255 ;;
esac
if [ -n "$FAKESSH_HIDE" ]; then
    exec unshare -m /bin/sh -c 'mount -t tmpfs none "$1" && exec env -i PATH="$PATH" HOME="$HOME" /bin/sh -c "$2"' \
        fakessh "$FAKESSH_HIDE" "$5"
fi
exec env -i PATH="$PATH" HOME="$HOME" /bin/sh -c "$5"
