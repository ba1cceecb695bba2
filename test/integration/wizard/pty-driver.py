"""Drive a command through a pseudo-terminal: wait for each expected text, then type.

argv[1] is a JSON document {"argv": [...], "env": {...}, "cwd": "...", "steps": [{"expect": REGEX, "send": TEXT}],
"timeout": SECONDS}. Prints one JSON line {"code": N, "transcript": TEXT, "failed": STEP-or-null}.
ANSI escapes are removed before matching, so a regex matches what a person would read.
"""
import fcntl, json, os, pty, re, select, struct, sys, termios, time

ANSI = re.compile(r'\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][AB012]|\x1b[=>]')

spec = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.chdir(spec['cwd'])
    env = dict(os.environ, **spec.get('env', {}))
    # The terminal's size as COLUMNS/LINES say: prompts wrap at what the tty reports, not at $COLUMNS.
    size = struct.pack('HHHH', int(env.get('LINES', '50')), int(env.get('COLUMNS', '160')), 0, 0)
    fcntl.ioctl(0, termios.TIOCSWINSZ, size)
    os.execvpe(spec['argv'][0], spec['argv'], env)

raw = b''
clean = ''
seen = 0
deadline = time.time() + spec.get('timeout', 300)
failed = None

def pump(wait):
    global raw, clean
    r, _, _ = select.select([fd], [], [], wait)
    if not r:
        return True
    try:
        data = os.read(fd, 65536)
    except OSError:
        return False
    if not data:
        return False
    raw += data
    clean = ANSI.sub('', raw.decode('utf-8', 'replace'))
    return True

alive = True
for i, step in enumerate(spec['steps']):
    pattern = re.compile(step['expect'])
    while alive and not pattern.search(clean, seen):
        if time.time() > deadline:
            break
        alive = pump(0.2)
    m = pattern.search(clean, seen)
    if not m:
        failed = i
        break
    seen = m.end()
    time.sleep(0.15)  # let the prompt finish drawing before keys arrive
    os.write(fd, step['send'].encode())

while alive and time.time() < deadline:
    alive = pump(0.5)
if alive:
    os.kill(pid, 9)
_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
print(json.dumps({'code': code, 'transcript': clean, 'failed': failed}))
