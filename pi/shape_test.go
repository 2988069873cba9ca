package pi

import (
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

// printableBytewise is printable one byte at a time.
func printableBytewise(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	bad := 0
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			bad++
		}
	}
	return bad*20 <= len(b)
}

// checkShape compares the one-pass prefilters with what they stand for:
// the jump versions of macShape and pairCandidate with the bytewise ones,
// b64Run with the runs base64Runs returns, and digitTok/meidTok with the
// runs digitRuns and meid would look at.
func checkShape(t *testing.T, b []byte) {
	t.Helper()
	if macShape(b) != macShapeBytewise(b) {
		t.Fatalf("macShape %q: jump %v, bytewise %v", b, macShape(b), macShapeBytewise(b))
	}
	if pairCandidate(b) != pairCandidateBytewise(b) {
		t.Fatalf("pairCandidate %q: jump %v, bytewise %v", b, pairCandidate(b), pairCandidateBytewise(b))
	}
	if printable(b) != printableBytewise(b) {
		t.Fatalf("printable %q: %v, bytewise %v", b, printable(b), printableBytewise(b))
	}
	var sh valueShape
	shapeOf(b, &sh)
	ref := shapeBytewise(b)
	// the same value followed by other bytes within its capacity (as a
	// JSON leaf is): the bytes past the end must not count
	for _, junk := range []string{"0123456789a", "::--..@@", "\x00\xff"} {
		ext := append(append([]byte(nil), b...), junk...)
		var se valueShape
		shapeOf(ext[:len(b)], &se)
		if se != sh {
			t.Fatalf("shapeOf %q with %q after it = %+v, alone %+v", b, junk, se, sh)
		}
	}
	if macShape(b) && !sh.sepPair {
		t.Fatalf("%q: MAC shape without sepPair", b)
	}
	sp := false
	for p := 0; p+3 < len(b); p++ {
		sp = sp || (b[p] == ':' || b[p] == '-') && (b[p+3] == ':' || b[p+3] == '-')
	}
	if sp != sh.sepPair {
		t.Fatalf("%q: sepPair %v, bytewise %v", b, sh.sepPair, sp)
	}
	if n, r := pkgStarts(b, 1<<20), pkgStartsRef(b); n != r {
		t.Fatalf("%q: pkgStarts %d, reference %d", b, n, r)
	}
	if sh.digits != ref.digits || sh.flags != ref.flags || sh.digitTok != ref.digitTok || sh.meidTok != ref.meidTok ||
		(ref.b64Run >= 8 || sh.b64Run >= 8) && sh.b64Run != ref.b64Run {
		t.Fatalf("shapeOf %q = %+v, bytewise %+v", b, sh, ref)
	}
	for _, r := range base64Runs(b, 8) {
		if len(r) > int(sh.b64Run) {
			t.Fatalf("%q: base64 run of %d > b64Run %d", b, len(r), sh.b64Run)
		}
	}
	sc := NewScanner(nil, ScanOptions{})
	fs := &flowScan{s: sc}
	fs.digitRuns(plainLoc("x", ""), b, nil)
	fs.meid(plainLoc("x", "meid"), b, nil)
	for _, d := range fs.out {
		if d.Detector == "pattern:meid" && !sh.meidTok {
			t.Fatalf("%q: meid %s found, meidTok false", b, d.Value)
		}
		if d.Detector != "pattern:meid" && !sh.digitTok {
			t.Fatalf("%q: %s %s found, digitTok false", b, d.Detector, d.Value)
		}
	}
}

// pkgStartsRef counts package starts trying every label at every dot.
func pkgStartsRef(b []byte) int {
	n := 0
	for d := 0; d < len(b); d++ {
		if b[d] != '.' || d+1 >= len(b) || b[d+1] < 'a' || b[d+1] > 'z' {
			continue
		}
		for _, t := range pkgTLDs {
			s := d - len(t)
			if s >= 0 && string(b[s:d]) == t && (s == 0 || !isWordByte(b[s-1])) {
				n++
				break
			}
		}
	}
	return n
}

// shapeBytewise is shapeOf one byte at a time (the first version).
func shapeBytewise(b []byte) valueShape {
	var v valueShape
	tl, td, th, br := 0, 0, 0, 0
	tok := func(end int) {
		if tl == 14 && th == 14 {
			v.meidTok = true
		}
		if td == tl && (tl == 11 || tl >= 15 && tl <= 19 || tl == 13 && b[end-13] == '8' && b[end-12] == '6') || tl == 18 && td == 17 {
			v.digitTok = true
		}
	}
	for i, c := range b {
		k := byteClass[c]
		v.digits += int32(k & clDigit)
		v.flags |= k
		if k&clB64 != 0 {
			br++
		} else {
			v.b64Run = max(v.b64Run, int32(br))
			br = 0
		}
		if k&clAlnum != 0 {
			tl++
			td += int(k & clDigit)
			th += int(k>>6) & 1
			continue
		}
		tok(i)
		tl, td, th = 0, 0, 0
	}
	v.b64Run = max(v.b64Run, int32(br))
	tok(len(b))
	return v
}

func TestShapeAgreesWithDetectors(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	alpha := []byte("0123456789abcdefABCDEFXx:-.,;| @+/=_\"{}\n\x01\x1f\x7f\x80\xe4comnrgtiv")
	seeds := [][]byte{
		[]byte("imei=867543031234561&mac=a4:5e:60:c1:22:3f"), []byte("11010519491231002X"), []byte("+8613812345678"),
		[]byte("8613812345678"), []byte("A0000030ABCDEF"), []byte("39.90901, 116.39701"), []byte("6222021234567890123"),
		[]byte("a4-5e-60-c1-22-3f"), []byte("x.12345,1"), []byte(".1234 ;"),
		[]byte("com.a cn.b org.c net.d io.e me.f tv.g air.h top.i xcom.j _cn.k"), []byte("12345678:ab:cd"),
	}
	for _, s := range seeds {
		checkShape(t, s)
	}
	for i := 0; i < 20000; i++ {
		b := make([]byte, r.IntN(100))
		for j := range b {
			if r.IntN(3) == 0 {
				b[j] = alpha[r.IntN(len(alpha))]
			} else {
				b[j] = byte('0' + r.IntN(10))
			}
		}
		checkShape(t, b)
	}
}

func FuzzShape(f *testing.F) {
	for _, s := range []string{"867543031234561", "a4:5e:60:c1:22:3f", "39.9090,116.3970", "A0000030ABCDEF", "11010519491231002x", "dGhpcyBpcyBhIGJhc2U2NCBzdHJpbmc="} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkShape(t, b) })
}

// pairCandidateBytewise is pairCandidate trying every offset: the reference
// the jumping version is compared with.
func pairCandidateBytewise(b []byte) bool {
	for i := 1; i+5 < len(b); i++ {
		if b[i] == '.' && pairAt(b, i) {
			return true
		}
	}
	return false
}
