#!/usr/bin/env bash
# Best effort: a one-node Slurm cluster on this machine (Debian's slurm-wlm + munge), so the
# sweep tests can run a real `hydra/launcher=slurm` sweep. Needs root and apt; exits non-zero
# if anything is missing, and the Slurm test is then skipped.
set -euo pipefail
if ! command -v sbatch >/dev/null || ! command -v slurmctld >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi
host=$(hostname)
cpus=$(nproc)
# Declare the node's real memory: without it Slurm assumes 1 MB and refuses every job that
# asks for memory (the Slurm launcher preset asks for mem_gb).
mem_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
chown munge:munge /run/munge 2>/dev/null || true
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=local
SlurmctldHost=${host}
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
SlurmUser=root
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmdSpoolDir=/var/spool/slurmd
StateSaveLocation=/var/spool/slurmctld
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
NodeName=${host} CPUs=${cpus} RealMemory=${mem_mb} State=UNKNOWN
PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP
CONF
pgrep -x munged >/dev/null || /usr/sbin/munged --force
# Restart the Slurm daemons so they read the configuration written above.
pkill -x slurmd 2>/dev/null || true
pkill -x slurmctld 2>/dev/null || true
for _ in $(seq 1 20); do
  pgrep -x slurmd >/dev/null || pgrep -x slurmctld >/dev/null || break
  sleep 0.5
done
/usr/sbin/slurmctld
/usr/sbin/slurmd
for _ in $(seq 1 30); do
  if sinfo -h -o %T 2>/dev/null | grep -qE "idle|mix|alloc"; then
    echo "Slurm is up: partition debug on ${host}"
    exit 0
  fi
  sleep 1
done
echo "Slurm did not come up" >&2
exit 1
