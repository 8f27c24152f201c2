#!/bin/sh
# The same VM migrated to -audiodev (QEMU 4.0+).
qemu-system-x86_64 \
  -machine pc-q35-4.0,kernel_irqchip=on,accel=kvm \
  -cpu host,kvm=off,hv_vendor_id=1234567890ab \
  -smp 8,sockets=1,cores=4,threads=2 -m 16G \
  -device vfio-pci,host=01:00.0,multifunction=on \
  -device vfio-pci,host=01:00.1 \
  -drive file=/var/lib/vm/win10.qcow2,if=virtio \
  -audiodev pa,id=pa1,server=unix:/run/user/1000/pulse/native \
  -device AC97,audiodev=pa1
