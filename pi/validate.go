package pi

import (
	"encoding/binary"
	"strings"
	"time"
	"unicode/utf8"
)

// luhnValid checks the Luhn check digit of a digit string.
func luhnValid(s string) bool {
	if len(s) < 2 {
		return false
	}
	sum := 0
	double := false
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// provinces are the first two digits of valid GB/T 2260 region codes.
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true, "91": true,
}

// validIDCard checks an 18-character resident identity number by GB 11643:
// region prefix, a real birth date not in the future, and the ISO 7064
// MOD 11-2 check character.
func validIDCard(s string) bool {
	if len(s) != 18 {
		return false
	}
	for i := 0; i < 17; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	if !provinces[s[:2]] {
		return false
	}
	d, err := time.Parse("20060102", s[6:14])
	if err != nil || d.Year() < 1900 || d.After(time.Now()) {
		return false
	}
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(s[i]-'0') * weights[i]
	}
	const checks = "10X98765432"
	c := s[17]
	if c == 'x' {
		c = 'X'
	}
	return checks[sum%11] == c
}

// validMAC rejects all-zero, broadcast and Android's placeholder address
// (02:00:00:00:00:00, what apps get since Android 6 without privileges).
func validMAC(canon string) bool {
	h := strings.ToLower(strings.NewReplacer(":", "", "-", "").Replace(canon))
	switch h {
	case "000000000000", "ffffffffffff", "020000000000":
		return false
	}
	return len(h) == 12
}

// bankBIN reports whether a card number starts with a plausible issuer
// identification range: UnionPay 62, Visa 4, Mastercard 51–55 and
// 2221–2720, American Express 34/37, JCB 3528–3589, Discover 6011/65.
func bankBIN(s string) bool {
	if len(s) < 16 || len(s) > 19 {
		return false
	}
	switch {
	case strings.HasPrefix(s, "62"), strings.HasPrefix(s, "4"):
		return true
	case s[0] == '5' && s[1] >= '1' && s[1] <= '5':
		return len(s) == 16
	case strings.HasPrefix(s, "6011"), strings.HasPrefix(s, "65"):
		return true
	case strings.HasPrefix(s, "35"):
		n := atoi(s[:4])
		return n >= 3528 && n <= 3589
	case s[0] == '2':
		n := atoi(s[:4])
		return n >= 2221 && n <= 2720 && len(s) == 16
	}
	return false
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// Mask hides the middle of a value: the first 4 and last 4 characters stay
// for values of 12 or more characters, fewer for shorter values.
func Mask(v string) string {
	r := []rune(v)
	n := len(r)
	switch {
	case n == 0:
		return ""
	case n >= 12:
		return string(r[:4]) + "****" + string(r[n-4:])
	case n >= 8:
		return string(r[:2]) + "****" + string(r[n-2:])
	case n >= 4:
		return string(r[:1]) + "****"
	default:
		return "****"
	}
}

// printable reports whether b looks like text (valid UTF-8, few control bytes).
func printable(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	bad := 0
	i := 0
	// eight bytes at a time: words with no control byte are skipped
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		if (x-swarOnes*0x20)&^x&swarHigh == 0 {
			continue
		}
		for _, c := range b[i : i+8] {
			if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
				bad++
			}
		}
	}
	for _, c := range b[i:] {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			bad++
		}
	}
	return bad*20 <= len(b)
}
