//go:build linux

package pcap

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/ceping/ceping/evidence"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// LiveUpdate is what Live reports as it goes: the DNS responses and the
// finished plain-HTTP flows seen since the previous update. The last update
// has Final set to the whole result (conversations with SNI included).
type LiveUpdate struct {
	DNS   []evidence.DNSAnswer
	Flows []*evidence.Flow
	Final *Result
}

// Live captures on the network interface iface (AF_PACKET through
// pcapgo.EthernetHandle: Linux, needs root or CAP_NET_RAW) until ctx ends,
// calling fn about once a second with what is new, then once with the final
// result. fn runs on Live's goroutine.
func Live(ctx context.Context, iface string, fn func(LiveUpdate)) error {
	h, err := pcapgo.NewEthernetHandle(iface)
	if err != nil {
		return fmt.Errorf("pcap: live capture on %s: %w", iface, err)
	}
	type pkt struct {
		data []byte
		ci   gopacket.CaptureInfo
	}
	pkts := make(chan pkt, 1024)
	go func() {
		defer close(pkts)
		for {
			data, ci, err := h.ReadPacketData()
			if err != nil {
				return
			}
			select {
			case pkts <- pkt{bytes.Clone(data), ci}:
			case <-ctx.Done():
				return
			}
		}
	}()
	in := newIngest(iface)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	sentDNS, sentFlows := 0, 0
	update := func() {
		if len(in.res.DNS) == sentDNS && len(in.res.Flows) == sentFlows {
			return
		}
		u := LiveUpdate{DNS: in.res.DNS[sentDNS:], Flows: in.res.Flows[sentFlows:]}
		sentDNS, sentFlows = len(in.res.DNS), len(in.res.Flows)
		fn(u)
	}
	for {
		select {
		case p, ok := <-pkts:
			if !ok {
				h.Close()
				fn(LiveUpdate{Final: in.finish()})
				return nil
			}
			in.packet(p.data, p.ci, layers.LinkTypeEthernet)
		case <-tick.C:
			update()
		case <-ctx.Done():
			// Take what was already read; the reader stops at its next
			// packet or when Close interrupts it.
			h.Close()
		drain:
			for {
				select {
				case p, ok := <-pkts:
					if !ok {
						break drain
					}
					in.packet(p.data, p.ci, layers.LinkTypeEthernet)
				default:
					break drain
				}
			}
			update()
			fn(LiveUpdate{Final: in.finish()})
			return nil
		}
	}
}
