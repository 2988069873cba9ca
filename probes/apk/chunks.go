package apk

import (
	"encoding/binary"
	"fmt"
	"unicode/utf16"
)

// Android resource chunk types (frameworks/base/libs/androidfw ResourceTypes.h).
const (
	chunkStringPool   = 0x0001
	chunkTable        = 0x0002
	chunkXML          = 0x0003
	chunkXMLStartElem = 0x0102
	chunkXMLEndElem   = 0x0103
	chunkXMLCData     = 0x0104
	chunkTablePackage = 0x0200
	chunkTableType    = 0x0201
	chunkTableSpec    = 0x0202
)

// checkChunks validates the chunk structure of a binary XML file or a
// resource table before androidbinary reads it: every chunk inside its
// parent, sizes sane, string pools' offsets and lengths inside the pool, and
// table arrays inside their chunk. androidbinary trusts these fields (a zero
// chunk size loops forever, a huge count allocates gigabytes), so this is
// what keeps hostile input from hanging or exhausting memory. It returns the
// strings of the first (global) string pool. Errors give the byte offset.
func checkChunks(b []byte, want uint16) ([]string, error) {
	c, err := check(b, want)
	if err != nil {
		return nil, err
	}
	return c.global, nil
}

func check(b []byte, want uint16) (*checker, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("offset 0: %d bytes, too short for a chunk header", len(b))
	}
	typ, hsz, size := le16(b, 0), int(le16(b, 2)), int64(le32(b, 4))
	if typ != want {
		return nil, fmt.Errorf("offset 0: chunk type 0x%04x, want 0x%04x", typ, want)
	}
	if hsz < 8 || int64(hsz) > size || size > int64(len(b)) {
		return nil, fmt.Errorf("offset 0: bad chunk sizes (header %d, size %d, file %d)", hsz, size, len(b))
	}
	c := &checker{b: b[:size]}
	if err := c.children(hsz, int(size), typ); err != nil {
		return nil, err
	}
	return c, nil
}

type checker struct {
	b      []byte
	global []string
	pools  int

	// XML text: androidbinary drops CDATA chunks, so their text is kept
	// here by the ordinal of the element that holds it.
	elems int
	open  []int
	texts map[int]string
}

// children validates the chunks between off and end, whose parent has type parent.
func (c *checker) children(off, end int, parent uint16) error {
	for off < end {
		if end-off < 8 {
			return fmt.Errorf("offset %d: %d bytes left, too short for a chunk header", off, end-off)
		}
		typ, hsz, size := le16(c.b, off), int(le16(c.b, off+2)), int64(le32(c.b, off+4))
		if hsz < 8 || int64(hsz) > size || size > int64(end-off) {
			return fmt.Errorf("offset %d: chunk 0x%04x has bad sizes (header %d, size %d, %d bytes left in parent)", off, typ, hsz, size, end-off)
		}
		s := int(size)
		var err error
		switch typ {
		case chunkStringPool:
			var strs []string
			strs, err = c.pool(off, s)
			if c.pools == 0 {
				c.global = strs
			}
			c.pools++
		case chunkXMLStartElem:
			if parent == chunkXML {
				err = c.startElement(off, hsz, s)
				c.open = append(c.open, c.elems)
				c.elems++
			}
		case chunkXMLEndElem:
			if parent == chunkXML && len(c.open) > 0 {
				c.open = c.open[:len(c.open)-1]
			}
		case chunkXMLCData:
			if parent == chunkXML && len(c.open) > 0 && hsz+4 <= s {
				ref := int(le32(c.b, off+hsz))
				if ref >= 0 && ref < len(c.global) {
					if c.texts == nil {
						c.texts = map[int]string{}
					}
					c.texts[c.open[len(c.open)-1]] += c.global[ref]
				}
			}
		case chunkTablePackage:
			if parent == chunkTable {
				err = c.pkg(off, hsz, s)
			}
		case chunkTableType:
			if parent == chunkTablePackage {
				err = c.tableType(off, hsz, s)
			}
		case chunkTableSpec:
			if parent == chunkTablePackage {
				if hsz < 16 {
					err = fmt.Errorf("offset %d: type spec header of %d bytes", off, hsz)
				} else if n := int64(le32(c.b, off+12)); int64(hsz)+n*4 > size {
					err = fmt.Errorf("offset %d: type spec of %d entries does not fit in %d bytes", off, n, size)
				}
			}
		}
		if err != nil {
			return err
		}
		off += s
	}
	return nil
}

// pool validates a string pool chunk at off of size bytes and decodes it.
func (c *checker) pool(off, size int) ([]string, error) {
	b := c.b[off : off+size]
	if size < 28 || int(le16(b, 2)) < 28 {
		return nil, fmt.Errorf("offset %d: string pool header too short", off)
	}
	hsz := int64(le16(b, 2))
	nStr, nSty := int64(le32(b, 8)), int64(le32(b, 12))
	flags := le32(b, 16)
	strStart, styStart := int64(le32(b, 20)), int64(le32(b, 24))
	if hsz+(nStr+nSty)*4 > int64(size) {
		return nil, fmt.Errorf("offset %d: string pool of %d strings and %d styles does not fit in %d bytes", off, nStr, nSty, size)
	}
	utf8 := flags&(1<<8) != 0
	out := make([]string, nStr)
	for i := int64(0); i < nStr; i++ {
		p := strStart + int64(le32(b, int(hsz+i*4)))
		s, err := poolString(b, p, utf8)
		if err != nil {
			return nil, fmt.Errorf("offset %d: string pool entry %d: %v", off, i, err)
		}
		out[i] = s
	}
	for i := int64(0); i < nSty; i++ {
		p := styStart + int64(le32(b, int(hsz+(nStr+i)*4)))
		if p < 0 || p+12 > int64(size) {
			return nil, fmt.Errorf("offset %d: string pool style %d outside the pool", off, i)
		}
	}
	return out, nil
}

func poolString(b []byte, p int64, utf8 bool) (string, error) {
	n := int64(len(b))
	if p < 0 || p >= n {
		return "", fmt.Errorf("starts at %d, outside the pool of %d bytes", p, n)
	}
	if utf8 {
		// UTF-16 length, then UTF-8 length, each 1 or 2 bytes.
		_, q, err := len8(b, p)
		if err != nil {
			return "", err
		}
		l, q, err := len8(b, q)
		if err != nil {
			return "", err
		}
		if q+l > n {
			return "", fmt.Errorf("%d bytes at %d run past the pool", l, q)
		}
		return string(b[q : q+l]), nil
	}
	if p+2 > n {
		return "", fmt.Errorf("length at %d runs past the pool", p)
	}
	l := int64(le16(b, int(p)))
	q := p + 2
	if l&0x8000 != 0 {
		if q+2 > n {
			return "", fmt.Errorf("length at %d runs past the pool", p)
		}
		l = (l&0x7fff)<<16 | int64(le16(b, int(q)))
		q += 2
	}
	if q+2*l > n {
		return "", fmt.Errorf("%d UTF-16 units at %d run past the pool", l, q)
	}
	u := make([]uint16, l)
	for i := range u {
		u[i] = le16(b, int(q)+2*i)
	}
	return string(utf16.Decode(u)), nil
}

func len8(b []byte, p int64) (int64, int64, error) {
	if p >= int64(len(b)) {
		return 0, 0, fmt.Errorf("length at %d runs past the pool", p)
	}
	l := int64(b[p])
	if l&0x80 != 0 {
		if p+1 >= int64(len(b)) {
			return 0, 0, fmt.Errorf("length at %d runs past the pool", p)
		}
		return (l&0x7f)<<8 | int64(b[p+1]), p + 2, nil
	}
	return l, p + 1, nil
}

func (c *checker) startElement(off, hsz, size int) error {
	// ResXMLTree_attrExt follows the node header: ns, name, attributeStart,
	// attributeSize, attributeCount, idIndex, classIndex, styleIndex.
	if hsz+20 > size {
		return fmt.Errorf("offset %d: start element too short (%d bytes)", off, size)
	}
	e := off + hsz
	start, asz, n := int(le16(c.b, e+8)), int(le16(c.b, e+10)), int(le16(c.b, e+12))
	if n > 0 && asz < 20 {
		return fmt.Errorf("offset %d: attribute size %d, want at least 20", off, asz)
	}
	if hsz+start+n*asz > size {
		return fmt.Errorf("offset %d: %d attributes of %d bytes do not fit in the element's %d bytes", off, n, asz, size)
	}
	return nil
}

func (c *checker) pkg(off, hsz, size int) error {
	// ResTable_package: header, id u32, name [128]u16, typeStrings u32,
	// lastPublicType u32, keyStrings u32, lastPublicKey u32.
	const fixed = 8 + 4 + 256 + 16
	if hsz < fixed-4 || size < fixed {
		return fmt.Errorf("offset %d: package header too short (%d)", off, hsz)
	}
	for _, at := range []int{off + 268, off + 276} {
		p := int(le32(c.b, at))
		if p < hsz || p+28 > size {
			return fmt.Errorf("offset %d: package string pool at %d outside the package of %d bytes", off, p, size)
		}
		if t := le16(c.b, off+p); t != chunkStringPool {
			return fmt.Errorf("offset %d: chunk type 0x%04x where the package's string pool should be", off+p, t)
		}
		psz := int(le32(c.b, off+p+4))
		if psz < 28 || p+psz > size {
			return fmt.Errorf("offset %d: package string pool of %d bytes runs past the package", off+p, psz)
		}
		if _, err := c.pool(off+p, psz); err != nil {
			return err
		}
	}
	return c.children(off+hsz, off+size, chunkTablePackage)
}

func (c *checker) tableType(off, hsz, size int) error {
	// ResTable_type: header, id u8, flags u8, reserved u16, entryCount u32,
	// entriesStart u32, config…
	if hsz < 20 {
		return fmt.Errorf("offset %d: table type header of %d bytes", off, hsz)
	}
	n, start := int64(le32(c.b, off+12)), int64(le32(c.b, off+16))
	if int64(hsz)+n*4 > int64(size) {
		return fmt.Errorf("offset %d: table type of %d entries does not fit in %d bytes", off, n, size)
	}
	sparse := c.b[off+9]&0x01 != 0
	for i := int64(0); i < n; i++ {
		idx := le32(c.b, off+hsz+int(i*4))
		if idx == 0xffffffff || sparse {
			continue
		}
		if start+int64(idx)+16 > int64(size) {
			return fmt.Errorf("offset %d: table entry %d at %d runs past the chunk of %d bytes", off, i, start+int64(idx), size)
		}
	}
	return nil
}

func le16(b []byte, i int) uint16 { return binary.LittleEndian.Uint16(b[i:]) }
func le32(b []byte, i int) uint32 { return binary.LittleEndian.Uint32(b[i:]) }
