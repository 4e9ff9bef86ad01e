"""What the benchmark scripts share: where Isola and the default guest image are."""
import glob, os, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ISOLA = os.environ.get("ISOLA", os.path.join(ROOT, ".build/release/isola"))

def default_image(tool):
    """(kernel, initramfs) of the newest default image in $ISOLA_CACHE."""
    cache = os.environ.get("ISOLA_CACHE", os.path.expanduser("~/.cache/isola"))
    found = sorted(glob.glob(os.path.join(cache, "images/default-*/Image")), key=os.path.getmtime)
    if not found:
        sys.exit(f"{tool}: no default image; run 'make images'")
    d = os.path.dirname(found[-1])
    return os.path.join(d, "Image"), os.path.join(d, "initramfs.cpio.gz")
