/**
 * The one shell script that gathers a host's facts in one round trip. It is a constant:
 * every user value (paths, unit names, the disk) arrives as a positional parameter and
 * is only ever expanded inside double quotes. Output is a series of sections, each
 * introduced by a line `@@NONCE KIND [INDEX|PATH]`; the nonce ($1) is random per run so
 * no file content can forge a section header.
 *
 * Parameters after the nonce, repeated: `file PATH`, `secret PATH` (hash only, content
 * never leaves the host), `unit NAME`, `device PATH`, `marker MOUNTPOINT NAME`.
 */
/**
 * Whether the kernel has device-mapper, as shell: the driver is registered (/proc/misc), or
 * it is a module this kernel can load (cryptsetup's first open loads it). Not the control
 * node: libdevmapper creates /dev/mapper/control on kernels without the driver (seen on the
 * test machines once cryptsetup had run there). Also enrolment's own probe (disks/luks-format.ts).
 */
export const DEVICE_MAPPER_TEST = 'grep -qw device-mapper /proc/misc 2>/dev/null || { PATH="$PATH:/usr/sbin:/sbin" modprobe -n -q dm_mod 2>/dev/null && PATH="$PATH:/usr/sbin:/sbin" modprobe -n -q dm_crypt 2>/dev/null; }';

export const GATHER_SCRIPT = String.raw`set -u
nonce=$1; shift
LC_ALL=C; export LC_ALL
PATH="$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
sec() { printf '\n@@%s %s\n' "$nonce" "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }

sec os-release
cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null
sec init
[ -d /run/systemd/system ] && echo run-systemd-system
printf 'pid1 %s\n' "$(cat /proc/1/comm 2>/dev/null)"
sec autofs
grep -qw autofs /proc/filesystems 2>/dev/null && echo kernel
[ -e /dev/autofs ] && echo device
sec device-mapper
if ${DEVICE_MAPPER_TEST}; then echo control; fi
sec commands
for c in node nodejs rsync parted partx udevadm systemctl mkfs.ext4 mkfs.xfs mkfs.btrfs wipefs blkid lsblk debugfs cryptsetup \
  apt-get dnf zypper pacman apk emerge crontab sudo visudo useradd ssh-keygen; do
  p=$(command -v "$c" 2>/dev/null) && printf '%s %s\n' "$c" "$p"
done
sec node-version
if have node; then node --version 2>/dev/null; elif have nodejs; then nodejs --version 2>/dev/null; fi
sec rsync-version
have rsync && rsync --version 2>/dev/null | head -n 1
sec mounts
cat /proc/mounts
sec fstab
cat /etc/fstab 2>/dev/null

file_fact() {
  if [ ! -e "$1" ] && [ ! -L "$1" ]; then echo absent; return; fi
  st=$(stat -c '%F|%a|%U|%G|%s' -- "$1" 2>/dev/null) || { echo unreadable; return; }
  printf 'stat %s\n' "$st"
  [ -f "$1" ] || return 0
  printf 'sha256 %s\n' "$(sha256sum < "$1" | cut -d ' ' -f 1)"
  size=$(printf '%s' "$st" | cut -d '|' -f 5)
  if [ "$2" = file ] && [ "$size" -le 65536 ]; then
    printf 'content %s\n' "$(base64 < "$1" | tr -d '\n')"
  fi
}

disk_facts() {
  r=$(readlink -f -- "$1" 2>/dev/null)
  if [ -z "$r" ] || [ ! -b "$r" ]; then echo missing; return; fi
  printf 'resolved %s\n' "$r"
  for l in /dev/disk/by-id/*; do
    [ -e "$l" ] && [ "$(readlink -f -- "$l")" = "$r" ] && printf 'alias %s\n' "$l"
  done
  name=$(basename -- "$r")
  sec lsblk
  lsblk -J -b -o NAME,PATH,TYPE,SIZE,FSTYPE,LABEL,UUID,PARTUUID,PTTYPE,MOUNTPOINTS,SERIAL,MODEL,TRAN,RO,RM,PKNAME -- "$r" 2>/dev/null
  parts=
  for d in /sys/class/block/"$name"/"$name"*; do
    [ -f "$d/partition" ] && parts="$parts /dev/$(basename -- "$d")"
  done
  for p in "$r" $parts; do
    sec "probe $p"
    probe=$(blkid -p -o export -- "$p" 2>/dev/null)
    printf '%s\n' "$probe"
    sec "wipefs $p"
    wipefs -n -J -- "$p" 2>/dev/null
    sec "holders $p"
    for h in "/sys/class/block/$(basename -- "$p")/holders"/*; do
      [ -e "$h" ] || continue
      printf '%s\t%s\t%s\n' "$(basename -- "$h")" "$(cat "$h/dm/uuid" 2>/dev/null)" "$(cat "$h/dm/name" 2>/dev/null)"
    done
    if printf '%s\n' "$probe" | grep -qx 'TYPE=btrfs'; then
      # num_devices: u64 at 0x88 in the superblock at 64 KiB (blkid does not report it).
      sec "btrfs-devices $p"
      od -An -t u8 -j 65672 -N 8 -- "$p" 2>/dev/null
    fi
    if printf '%s\n' "$probe" | grep -qx 'TYPE=ext[234]' && have debugfs; then
      sec "rootls $p"
      debugfs -R 'ls -p /' -- "$p" 2>/dev/null
    fi
  done
}

marker_fact() {
  esc=$(printf '%s' "$1" | sed 's/\\/\\134/g; s/ /\\040/g; s/	/\\011/g')
  src=$(LDMP=$esc awk '$2 == ENVIRON["LDMP"] && $3 != "autofs" { s = $1 } END { print s }' /proc/mounts)
  if [ -n "$src" ]; then
    printf 'mounted %s\n' "$(readlink -f -- "$src" 2>/dev/null || printf '%s' "$src")"
    printf 'fstype %s\n' "$(LDMP=$esc awk '$2 == ENVIRON["LDMP"] && $3 != "autofs" { t = $3 } END { print t }' /proc/mounts)"
    [ -e "$1/$2" ] && echo exists
  fi
  # Device numbers of the mount point and of /: equal means the marker would sit on the
  # filesystem that holds / (nothing mounted there, or a bind mount of it).
  d=$(stat -c %d -- "$1" 2>/dev/null) && printf 'dev %s\n' "$d"
  printf 'rootdev %s\n' "$(stat -c %d / 2>/dev/null)"
  return 0
}

i=0
while [ $# -gt 0 ]; do
  kind=$1; shift
  case $kind in
    file|secret) sec "file $i"; file_fact "$1" "$kind"; shift ;;
    unit)
      sec "unit $i"
      if [ -d /run/systemd/system ]; then
        printf 'enabled %s\n' "$(systemctl is-enabled -- "$1" 2>/dev/null)"
        printf 'active %s\n' "$(systemctl is-active -- "$1" 2>/dev/null)"
      fi
      shift ;;
    device) sec device; disk_facts "$1"; shift ;;
    marker) sec marker; marker_fact "$1" "$2"; shift 2 ;;
    *) echo "gather: unknown item $kind" >&2; exit 2 ;;
  esac
  i=$((i + 1))
done
sec end
exit 0
`;
