package pi

import (
	"net"
	"strings"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/kb"
	"golang.org/x/net/publicsuffix"
)

// Parties decides whether a host belongs to the app (first party) or to
// someone else, and which SDK and company own third-party hosts.
type Parties struct {
	first map[string]bool // registrable domains of the app
	idx   *kb.SDKIndex
}

// RegistrableDomain returns eTLD+1 of a host, or the host itself for IPs
// and names without a public suffix.
func RegistrableDomain(host string) string {
	host = strings.TrimSuffix(strings.ToLower(stripPort(host)), ".")
	if host == "" || net.ParseIP(host) != nil {
		return host
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return host
	}
	return d
}

func stripPort(h string) string {
	if strings.HasPrefix(h, "[") {
		if i := strings.Index(h, "]"); i > 0 {
			return h[1:i]
		}
	}
	if strings.Count(h, ":") == 1 {
		h, _, _ = strings.Cut(h, ":")
	}
	return h
}

// DomainFromPackage derives the likely first-party domain from an Android
// package name: com.example.app → example.com.
func DomainFromPackage(pkg string) string {
	parts := strings.Split(strings.ToLower(pkg), ".")
	if len(parts) < 2 {
		return ""
	}
	d := parts[1] + "." + parts[0]
	if _, icann := publicsuffix.PublicSuffix(d); !icann {
		return ""
	}
	return d
}

// NewParties builds the first-party list from explicit domains, the app's
// package name and the app's own endpoints (those not attributed to an SDK).
func NewParties(firstParty []string, app *evidence.App) *Parties {
	p := &Parties{first: map[string]bool{}, idx: kb.Index()}
	for _, d := range firstParty {
		if d = RegistrableDomain(strings.TrimSpace(d)); d != "" {
			p.first[d] = true
		}
	}
	if app != nil {
		if d := DomainFromPackage(app.Package); d != "" {
			p.first[d] = true
		}
		for _, e := range app.Endpoints {
			if e.SDK != "" || e.Host == "" {
				continue
			}
			if p.idx.ByHost(e.Host) != nil {
				continue
			}
			if d := RegistrableDomain(e.Host); d != "" && strings.Contains(d, ".") && net.ParseIP(d) == nil {
				p.first[d] = true
			}
		}
	}
	return p
}

// FirstPartyDomains lists the domains counted as the app's own.
func (p *Parties) FirstPartyDomains() []string {
	var out []string
	for d := range p.first {
		out = append(out, d)
	}
	return sortedStrings(out)
}

// Classify returns "first" or "third", and the SDK when kb knows the host.
func (p *Parties) Classify(host string) (party string, sdk *kb.SDK) {
	sdk = p.idx.ByHost(host)
	if sdk != nil {
		return "third", sdk
	}
	if p.first[RegistrableDomain(host)] {
		return "first", nil
	}
	if host == "" {
		return "unknown", nil
	}
	return "third", nil
}
