package engine

import (
	"fmt"
	"sync"
	"syscall"
	"time"
)

// epollPoller is the Linux readinessPoller: an epoll instance of its own
// (the Go runtime's netpoller keeps its registration of the same
// descriptors) with one-shot, level-triggered read interest, and a pipe
// whose write end close uses to end a wait.
type epollPoller struct {
	epfd   int
	wakeR  int
	wakeW  int
	events []syscall.EpollEvent
	fds    []int

	mu     sync.Mutex
	closed bool
}

func newPoller() (readinessPoller, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("engine: epoll_create1: %w", err)
	}
	var pipe [2]int
	if err := syscall.Pipe2(pipe[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		syscall.Close(epfd)
		return nil, fmt.Errorf("engine: pipe2: %w", err)
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(pipe[0])}
	if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, pipe[0], &ev); err != nil {
		syscall.Close(epfd)
		syscall.Close(pipe[0])
		syscall.Close(pipe[1])
		return nil, fmt.Errorf("engine: epoll_ctl: %w", err)
	}
	return &epollPoller{epfd: epfd, wakeR: pipe[0], wakeW: pipe[1], events: make([]syscall.EpollEvent, 128)}, nil
}

func (p *epollPoller) add(fd int) error {
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT, Fd: int32(fd)}
	if err := syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return fmt.Errorf("engine: epoll_ctl add %d: %w", fd, err)
	}
	return nil
}

func (p *epollPoller) remove(fd int) {
	syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, fd, nil)
}

func (p *epollPoller) wait(timeout time.Duration) ([]int, bool) {
	ms := int(timeout / time.Millisecond)
	if ms < 0 {
		ms = 0
	}
	n, err := syscall.EpollWait(p.epfd, p.events, ms)
	if err != nil && err != syscall.EINTR {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.release()
		return nil, false
	}
	p.fds = p.fds[:0]
	for _, ev := range p.events[:max(n, 0)] {
		if int(ev.Fd) == p.wakeR {
			p.mu.Lock()
			defer p.mu.Unlock()
			p.release()
			return nil, false
		}
		p.fds = append(p.fds, int(ev.Fd))
	}
	return p.fds, true
}

// close wakes the waiter, which then releases the descriptors.
func (p *epollPoller) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		syscall.Write(p.wakeW, []byte{1})
	}
}

// release closes the descriptors; p.mu is held.
func (p *epollPoller) release() {
	if p.closed {
		return
	}
	p.closed = true
	syscall.Close(p.epfd)
	syscall.Close(p.wakeR)
	syscall.Close(p.wakeW)
}
