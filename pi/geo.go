package pi

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/oschwald/maxminddb-golang/v2"
	"github.com/phuslu/iploc"
)

// GeoCredit is the attribution the embedded IP-to-country data requires.
const GeoCredit = "IP-to-country data: IP2Location LITE (https://lite.ip2location.com), CC BY-SA 4.0, via github.com/phuslu/iploc " + iploc.Version

// GeoVersion is the embedded database version.
const GeoVersion = iploc.Version

// Geo maps IP addresses to ISO 3166 country codes.
type Geo struct {
	mmdb *maxminddb.Reader
	path string
}

// NewGeo uses the embedded iploc data, or a MaxMind-format database file
// (GeoLite2-Country, DB-IP…) when mmdbPath is set.
func NewGeo(mmdbPath string) (*Geo, error) {
	g := &Geo{}
	if mmdbPath != "" {
		r, err := maxminddb.Open(mmdbPath)
		if err != nil {
			return nil, fmt.Errorf("geoip database %s: %w", mmdbPath, err)
		}
		g.mmdb, g.path = r, mmdbPath
	}
	return g, nil
}

// Close releases the database file.
func (g *Geo) Close() error {
	if g != nil && g.mmdb != nil {
		return g.mmdb.Close()
	}
	return nil
}

// Source describes where countries come from.
func (g *Geo) Source() string {
	if g != nil && g.mmdb != nil {
		return "mmdb " + g.path + " (" + g.mmdb.Metadata.DatabaseType + ")"
	}
	return GeoCredit
}

// Country returns the ISO code for ip ("" when unknown, "private" for
// private, loopback and link-local addresses).
func (g *Geo) Country(ip string) string {
	a, err := netip.ParseAddr(strings.Trim(ip, "[]"))
	if err != nil {
		return ""
	}
	a = a.Unmap()
	if a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsUnspecified() || isCGNAT(a) {
		return "private"
	}
	if g != nil && g.mmdb != nil {
		var rec struct {
			Country struct {
				ISOCode string `maxminddb:"iso_code"`
			} `maxminddb:"country"`
			RegisteredCountry struct {
				ISOCode string `maxminddb:"iso_code"`
			} `maxminddb:"registered_country"`
		}
		if err := g.mmdb.Lookup(a).Decode(&rec); err == nil {
			if rec.Country.ISOCode != "" {
				return rec.Country.ISOCode
			}
			return rec.RegisteredCountry.ISOCode
		}
		return ""
	}
	c := iploc.IPCountry(a)
	if c == "ZZ" {
		return ""
	}
	return c
}

func isCGNAT(a netip.Addr) bool {
	return netip.MustParsePrefix("100.64.0.0/10").Contains(a)
}

// Abroad reports whether a country code is cross-border for the purpose of
// the assessment: everything but mainland China (CN). Hong Kong, Macao and
// Taiwan (HK, MO, TW) count as cross-border. Unknown and private addresses
// are not.
func Abroad(country string) bool {
	return country != "" && country != "CN" && country != "private"
}
