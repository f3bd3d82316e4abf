// Command wan is the real-Kafka harness's delay line: it joins two TAP devices and forwards every
// frame from one to the other after a fixed delay, in both directions, so that a region's uplink
// behaves like a long link (the kernel here has no netem). TCP stays end to end through it: the
// windows, socket buffers and retransmissions of the connections that cross it are the real ones.
//
//	wan --a <tap> --b <tap> --delay <duration> [--mbit <n>] [--queue-frames <n>]
//
// Both TAP devices must exist (persistent, `ip tuntap add ... mode tap vnet_hdr`) in the network
// namespace wan runs in. Frames carry the virtio-net header and the devices take TCP segmentation
// offload, so a TCP burst crosses as one frame of up to 64 KiB instead of 45: the forwarder costs
// little CPU per byte. A frame leaves after `delay` (plus, with --mbit, the time a link of that rate
// takes to send it and the frames queued before it). At most --queue-frames wait per direction;
// beyond that frames are dropped, as a router's full queue drops them.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// linux/if_tun.h: offloads the TAP device accepts (TUNSETOFFLOAD); x/sys/unix names only the ioctls.
const (
	tunFCsum = 0x01
	tunFTSO4 = 0x02
	tunFTSO6 = 0x04
)

// One frame read from a device: up to a 64 KiB GSO frame plus its 10-byte virtio-net header.
const frameMax = 65536 + 10

type frame struct {
	data []byte
	due  time.Time
}

type direction struct {
	name     string
	from, to *os.File
	delay    time.Duration
	// Nanoseconds per byte at --mbit (0: no rate cap).
	nsPerByte float64
	queue     chan frame
	forwarded atomic.Uint64
	dropped   atomic.Uint64
}

func main() {
	a := flag.String("a", "", "first TAP device")
	b := flag.String("b", "", "second TAP device")
	delay := flag.Duration("delay", 0, "delay of every frame, each way (e.g. 17.5ms)")
	mbit := flag.Float64("mbit", 0, "rate cap in Mbit/s each way; 0 = none")
	queueFrames := flag.Int("queue-frames", 4096, "frames waiting per direction before new ones are dropped")
	flag.Parse()
	if *a == "" || *b == "" || *a == *b {
		fail("--a and --b must name two different TAP devices")
	}
	if *delay < 0 || *mbit < 0 || *queueFrames < 1 {
		fail(fmt.Sprintf("--delay %v, --mbit %v, --queue-frames %d: must be >= 0, >= 0, >= 1", *delay, *mbit, *queueFrames))
	}
	fa, err := openTap(*a)
	if err != nil {
		fail(err.Error())
	}
	fb, err := openTap(*b)
	if err != nil {
		fail(err.Error())
	}
	nsPerByte := 0.0
	if *mbit > 0 {
		nsPerByte = 8e3 / *mbit
	}
	dirs := []*direction{
		{name: *a + ">" + *b, from: fa, to: fb, delay: *delay, nsPerByte: nsPerByte, queue: make(chan frame, *queueFrames)},
		{name: *b + ">" + *a, from: fb, to: fa, delay: *delay, nsPerByte: nsPerByte, queue: make(chan frame, *queueFrames)},
	}
	for _, d := range dirs {
		go d.read()
		go d.write()
	}
	fmt.Printf("wan: %s <-> %s, delay %v each way, rate cap %v Mbit/s (0 = none), queue %d frames\n", *a, *b, *delay, *mbit, *queueFrames)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
	for _, d := range dirs {
		fmt.Printf("wan: %s forwarded %d frames, dropped %d\n", d.name, d.forwarded.Load(), d.dropped.Load())
	}
}

// openTap attaches to an existing TAP device with the virtio-net header and TCP offloads on.
func openTap(name string) (*os.File, error) {
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("open /dev/net/tun: %w", err)
	}
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("TAP device %q: %w", name, err)
	}
	ifr.SetUint16(unix.IFF_TAP | unix.IFF_NO_PI | unix.IFF_VNET_HDR)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("attach to TAP device %q (TUNSETIFF): %w", name, err)
	}
	if err := unix.IoctlSetInt(fd, unix.TUNSETOFFLOAD, tunFCsum|tunFTSO4|tunFTSO6); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("offloads on TAP device %q (TUNSETOFFLOAD): %w", name, err)
	}
	// Non-blocking, so Go's poller serves reads and writes without a thread per device.
	return os.NewFile(uintptr(fd), name), nil
}

// read takes frames off the source device, stamps when each may leave and queues it.
func (d *direction) read() {
	var linkFree time.Time
	buf := make([]byte, frameMax)
	for {
		n, err := d.from.Read(buf)
		if err != nil {
			if errors.Is(err, syscall.EINTR) {
				continue
			}
			fail(fmt.Sprintf("%s: read: %v", d.name, err))
		}
		now := time.Now()
		due := now
		if d.nsPerByte > 0 {
			// The frame is sent once the frames before it are: serialization at the capped rate.
			if linkFree.After(due) {
				due = linkFree
			}
			due = due.Add(time.Duration(float64(n) * d.nsPerByte))
			linkFree = due
		}
		select {
		case d.queue <- frame{data: append([]byte(nil), buf[:n]...), due: due.Add(d.delay)}:
		default:
			d.dropped.Add(1)
		}
	}
}

// write hands each frame to the other device once it is due (frames are due in queue order).
func (d *direction) write() {
	for f := range d.queue {
		sleepUntil(f.due)
		if _, err := d.to.Write(f.data); err != nil {
			// A device whose link is down (a region cut) refuses frames: they are lost, as on a cut link.
			d.dropped.Add(1)
			continue
		}
		d.forwarded.Add(1)
	}
}

// sleepUntil blocks this goroutine's thread in nanosleep until t: Go's timers oversleep by up to
// a millisecond, which four crossings per round trip would add to the emulated RTT.
func sleepUntil(t time.Time) {
	for {
		wait := time.Until(t)
		if wait <= 0 {
			return
		}
		ts := unix.NsecToTimespec(wait.Nanoseconds())
		if err := unix.Nanosleep(&ts, nil); err == nil {
			return
		}
	}
}

func fail(msg string) {
	fmt.Fprintf(os.Stderr, "wan: %s\n", msg)
	os.Exit(2)
}
