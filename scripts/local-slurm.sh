#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for trying hothouse's job-array recipe (README,
# "Big sweeps and clusters") before a real cluster. Needs Debian/Ubuntu's `slurm-wlm` and `munge`
# (`apt-get install slurm-wlm munge`). Everything lives in one scratch folder: its own munge key
# and socket, a minimal slurm.conf (no cgroups, no accounting), state, spool, logs and pid
# files; nothing in /etc is touched.
#
#   scripts/local-slurm.sh start [DIR]   starts munged, slurmctld and slurmd; prints the
#                                        `export SLURM_CONF=...` line for sbatch, squeue, ...
#   scripts/local-slurm.sh stop [DIR]    cancels the jobs, stops the three daemons and waits
#                                        until they are gone
#
# DIR defaults to ${TMPDIR:-/tmp}/hothouse-slurm. The node takes this machine's name and
# max(cores, 4) CPUs (so README's `--cpus-per-task=4` fits on a small machine).
set -euo pipefail

usage() {
    echo "usage: $0 start|stop [DIR]" >&2
    exit 2
}

[ $# -ge 1 ] && [ $# -le 2 ] || usage
action=$1
dir=${2:-${TMPDIR:-/tmp}/hothouse-slurm}

# Processes by the pid files of the scratch folder, and the wait for them to end.
pid_of() { [ -s "$1" ] && cat "$1" || true; }
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
stop_pid() {
    local pid=$1 name=$2
    alive "$pid" || return 0
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
        alive "$pid" || return 0
        sleep 0.1
    done
    echo "local-slurm: $name ($pid) did not stop on SIGTERM; killing it" >&2
    kill -9 "$pid" 2>/dev/null || true
}

stop() {
    [ -d "$dir" ] || return 0
    dir=$(cd "$dir" && pwd)
    if [ -f "$dir/slurm.conf" ] && alive "$(pid_of "$dir/run/slurmctld.pid")"; then
        export SLURM_CONF=$dir/slurm.conf
        # Cancel what is still queued or running, and give the steps a moment to end.
        jobs=$(squeue -h -o %A 2>/dev/null || true)
        if [ -n "$jobs" ]; then
            # shellcheck disable=SC2086
            scancel $jobs 2>/dev/null || true
            for _ in $(seq 50); do
                [ -z "$(squeue -h -o %A 2>/dev/null || true)" ] && break
                sleep 0.2
            done
        fi
    fi
    local was="" pid daemon
    for daemon in run/slurmd run/slurmctld munge/munged; do
        pid=$(pid_of "$dir/$daemon.pid")
        alive "$pid" && was=1
        stop_pid "$pid" "${daemon#*/}"
        rm -f "$dir/$daemon.pid"
    done
    if [ -n "$was" ] || [ "${1:-}" != quiet ]; then
        echo "local-slurm: stopped ($dir)"
    fi
}

free_port() {
    local p
    for _ in $(seq 50); do
        p=$((20000 + RANDOM % 30000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null \
            && ! (exec 3<>"/dev/tcp/127.0.0.1/$((p + 1))") 2>/dev/null; then
            echo "$p"
            return
        fi
    done
    echo "local-slurm: no free port found" >&2
    exit 1
}

start() {
    for tool in munged slurmctld slurmd sbatch sinfo; do
        command -v "$tool" >/dev/null || {
            echo "local-slurm: $tool not found; install Slurm and munge (apt-get install slurm-wlm munge)" >&2
            exit 1
        }
    done
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if alive "$(pid_of "$dir/run/slurmctld.pid")"; then
        echo "local-slurm: already running in $dir; stop it first" >&2
        exit 1
    fi
    stop quiet # leftovers of a run that died
    mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log" "$dir/run"
    chmod 755 "$dir/munge"
    local user host cpus mem port
    user=$(id -un)
    host=$(hostname -s)
    cpus=$(nproc)
    [ "$cpus" -ge 4 ] || cpus=4
    # Half the machine's memory in MB (slurmd refuses a node claiming more than it has).
    mem=$(awk '/MemTotal/ { printf "%d", $2 / 2048 }' /proc/meminfo)
    port=$(free_port)

    # munge: a key of our own, and a socket in the scratch folder (not the system's).
    if [ ! -s "$dir/munge/munge.key" ]; then
        dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
        chmod 400 "$dir/munge/munge.key"
    fi
    munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
        --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" \
        --seed-file="$dir/munge/munged.seed" 2>>"$dir/log/munged.log"

    cat >"$dir/slurm.conf" <<CONF
# Written by hothouse scripts/local-slurm.sh: one node, no cgroups, no accounting.
ClusterName=hothouse-local
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
MailProg=/bin/true
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
    export SLURM_CONF=$dir/slurm.conf
    slurmctld -f "$SLURM_CONF"
    slurmd -f "$SLURM_CONF"
    for _ in $(seq 150); do
        case $(sinfo -h -o %t 2>/dev/null || true) in
        idle* | mix* | alloc*)
            echo "local-slurm: running in $dir (node $host, $cpus CPUs)"
            echo "export SLURM_CONF=$SLURM_CONF"
            return
            ;;
        esac
        sleep 0.2
    done
    echo "local-slurm: the node did not come up within 30 s; logs in $dir/log" >&2
    stop >&2
    exit 1
}

case $action in
start) start ;;
stop) stop ;;
*) usage ;;
esac
