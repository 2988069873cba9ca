package pcap

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/ceping/ceping/evidence"
	"github.com/gopacket/gopacket/layers"
)

// dnsTypeName names the record types apps meet; others are "TYPEn" (RFC 3597).
func dnsTypeName(t layers.DNSType) string {
	switch t {
	case layers.DNSTypeA, layers.DNSTypeNS, layers.DNSTypeCNAME, layers.DNSTypeSOA,
		layers.DNSTypePTR, layers.DNSTypeMX, layers.DNSTypeTXT, layers.DNSTypeAAAA,
		layers.DNSTypeSRV, layers.DNSTypeOPT:
		return t.String()
	case 64:
		return "SVCB"
	case 65:
		return "HTTPS"
	case 255:
		return "ANY"
	}
	return fmt.Sprintf("TYPE%d", uint16(t))
}

// dnsMessage records a DNS response (queries are ignored).
func (in *ingest) dnsMessage(payload []byte, ts time.Time) {
	if len(payload) < 12 || payload[2]&0x80 == 0 {
		return // too short to be DNS, or a query
	}
	if err := in.dns.DecodeFromBytes(payload, &in.fb); err != nil {
		in.warn("malformed DNS response: %v", err)
		return
	}
	d := &in.dns
	a := evidence.DNSAnswer{Time: ts, Answers: []string{}}
	if len(d.Questions) > 0 {
		a.Name = dnsName(d.Questions[0].Name)
		a.Type = dnsTypeName(d.Questions[0].Type)
	}
	for _, rr := range d.Answers {
		switch rr.Type {
		case layers.DNSTypeA, layers.DNSTypeAAAA:
			ip, ok := netip.AddrFromSlice(rr.IP)
			if !ok {
				continue
			}
			ip = ip.Unmap()
			a.Answers = append(a.Answers, ip.String())
			if a.Name != "" {
				in.dnsIdx[ip] = a.Name
			}
		case layers.DNSTypeCNAME:
			a.Answers = append(a.Answers, dnsName(rr.CNAME))
		case layers.DNSTypePTR:
			a.Answers = append(a.Answers, dnsName(rr.PTR))
		}
	}
	if a.Name == "" && len(d.Answers) == 0 {
		return
	}
	a.ID = int64(len(in.res.DNS) + 1)
	in.res.DNS = append(in.res.DNS, a)
}

func dnsName(b []byte) string { return strings.TrimSuffix(string(b), ".") }
