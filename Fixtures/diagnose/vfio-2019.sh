#!/bin/sh
# A 2019-style VFIO passthrough launcher: sound through the legacy variables and -soundhw.
export QEMU_AUDIO_DRV=pa
export QEMU_PA_SAMPLES=8192
export QEMU_AUDIO_TIMER_PERIOD=99
qemu-system-x86_64 \
  -machine pc-q35-4.0,kernel_irqchip=on,accel=kvm \
  -cpu host,kvm=off,hv_vendor_id=1234567890ab \
  -smp 8,sockets=1,cores=4,threads=2 -m 16G \
  -device vfio-pci,host=01:00.0,multifunction=on \
  -device vfio-pci,host=01:00.1 \
  -drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd \
  -drive file=/var/lib/vm/win10.qcow2,if=virtio \
  -soundhw ac97
