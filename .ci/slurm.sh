#!/usr/bin/env bash
# A real single-node SLURM on localhost for the cluster tests: Debian's slurm-wlm and munge,
# one partition of this machine's cores, with job accounting (slurmdbd on MariaDB) so that
# sacct answers as on a cluster. Installs what is missing, writes the configs, starts
# MariaDB, munged, slurmdbd, slurmctld and slurmd, and waits until the node takes jobs.
# Run as root (CI is); running it again leaves what runs running.
set -euo pipefail
if ! command -v slurmctld >/dev/null 2>&1 || ! command -v slurmdbd >/dev/null 2>&1 || ! command -v mariadbd >/dev/null 2>&1; then
    compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null || apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurmdbd mariadb-server >/dev/null
fi
host="$(hostname -s)"
cpus="$(nproc)"
mem_mb="$(awk '/MemTotal/ {print int($2 / 1024) - 1024}' /proc/meminfo)"
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge /var/lib/munge /var/log/munge
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=coopsim-ci
SlurmctldHost=${host}
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
ReturnToService=2
SlurmUser=root
SlurmdUser=root
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
JobCompType=jobcomp/none
MinJobAge=3600
MaxArraySize=10001
NodeName=${host} CPUs=${cpus} RealMemory=${mem_mb} State=UNKNOWN
PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP
CONF
if ! pgrep -x munged >/dev/null; then
    [ -s /etc/munge/munge.key ] || { mkdir -p /etc/munge; dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; }
    chown -R root:root /etc/munge /var/lib/munge /var/log/munge /run/munge
    chmod 700 /etc/munge; chmod 400 /etc/munge/munge.key
    munged --force
fi
# MariaDB and slurmdbd: the accounting sacct reads
if ! pgrep -x mariadbd >/dev/null; then
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
    mysqld_safe --skip-networking=0 --bind-address=127.0.0.1 >/dev/null 2>&1 &
    for _ in $(seq 120); do mysqladmin ping >/dev/null 2>&1 && break; sleep 0.5; done
fi
mysql -e "CREATE DATABASE IF NOT EXISTS slurm_acct_db; CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'slurm'; GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost'; FLUSH PRIVILEGES;"
cat > /etc/slurm/slurmdbd.conf <<CONF
AuthType=auth/munge
DbdHost=localhost
SlurmUser=root
LogFile=/var/log/slurm/slurmdbd.log
PidFile=/run/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StoragePass=slurm
StorageLoc=slurm_acct_db
CONF
chmod 600 /etc/slurm/slurmdbd.conf
if ! pgrep -x slurmdbd >/dev/null; then
    slurmdbd
    for _ in $(seq 120); do sacctmgr -n list cluster >/dev/null 2>&1 && break; sleep 0.5; done
fi
sacctmgr -n list cluster format=cluster | grep -q coopsim-ci || sacctmgr -i add cluster coopsim-ci >/dev/null
pgrep -x slurmctld >/dev/null || slurmctld
pgrep -x slurmd >/dev/null || slurmd
up=""
for _ in $(seq 60); do
    # slurmctld takes a moment to listen: until then sinfo fails, and we ask again
    if states="$(sinfo -h -n "${host}" -o %t 2>/dev/null)"; then
        case "${states%%$'\n'*}" in
            idle*|mix*|alloc*) up=1; break ;;
            down*|drain*) if ! scontrol update nodename="${host}" state=resume 2>/dev/null; then sleep 1; fi ;;
        esac
    fi
    sleep 1
done
if [ -z "${up}" ]; then
    echo "slurm: the node did not come up" >&2
    tail -20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2
    exit 1
fi
# the whole chain once, as the tests use it: a job runs on the node, and sacct (slurmdbd) reports it
# finished; submitit learns that a cancelled job has ended only from sacct
job="$(sbatch --parsable -J coopsim-ci-check -o /dev/null -e /dev/null --wrap true)"
for _ in $(seq 90); do
    if sacct -n -X -P -o State -j "${job}" 2>/dev/null | grep -q COMPLETED; then
        echo "slurm: node ${host} (${cpus} CPUs) up, job ${job} ran and sacct reports it COMPLETED"
        exit 0
    fi
    sleep 1
done
set +e  # what follows only reports, and the script fails
echo "slurm: job ${job} did not run, or sacct does not report it:" >&2
squeue -a >&2
sacct -a -X -o JobID,JobName,State,Reason -j "${job}" >&2
tail -20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log /var/log/slurm/slurmdbd.log >&2
exit 1
