#!/usr/bin/env python3
"""The bare OCI bundle crun and runc run in the suite.

  rootfs.py IMAGE.tar DIR                 extract the OCI-layout image's layers into DIR
  rootfs.py --spec CONFIG ROOTFS CGROUP   make `crun spec`/`runc spec`'s config run `true`
                                          on ROOTFS (read-only), no terminal, in CGROUP
"""
import json
import os
import sys
import tarfile


def extract(image, dest):
    with tarfile.open(image) as outer:
        def blob(digest):
            algo, hexd = digest.split(":", 1)
            return outer.extractfile(f"blobs/{algo}/{hexd}")

        index = json.load(outer.extractfile("index.json"))
        manifest = json.load(blob(index["manifests"][0]["digest"]))
        for layer in manifest["layers"]:
            with tarfile.open(fileobj=blob(layer["digest"]), mode="r|*") as t:
                for m in t:
                    name = os.path.basename(m.name)
                    if name.startswith(".wh."):  # whiteouts: none expected in busybox
                        continue
                    t.extract(m, dest, set_attrs=not m.issym(), numeric_owner=True)


def spec(config, rootfs, cgroup):
    with open(config) as f:
        c = json.load(f)
    c["process"]["args"] = ["true"]
    c["process"]["terminal"] = False
    c["root"] = {"path": rootfs, "readonly": True}
    c["linux"]["cgroupsPath"] = cgroup
    with open(config, "w") as f:
        json.dump(c, f, indent=1)


if __name__ == "__main__":
    if sys.argv[1] == "--spec":
        spec(*sys.argv[2:5])
    else:
        extract(sys.argv[1], sys.argv[2])
