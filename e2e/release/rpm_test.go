package release

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// This file reads the header of an RPM package with the standard library: the
// test machine has no rpm tool. Format: the 96-byte lead, the signature
// header (padded to 8 bytes), then the main header; each header is an index
// of (tag, type, offset, count) entries followed by a data store.
// https://rpm-software-management.github.io/rpm/manual/format_v4.html

// RPM header tags the tests read.
const (
	rpmTagName        = 1000
	rpmTagVersion     = 1001
	rpmTagRelease     = 1002
	rpmTagLicense     = 1014
	rpmTagArch        = 1022
	rpmTagFileModes   = 1030
	rpmTagFileMtimes  = 1034
	rpmTagFileDigests = 1035
	rpmTagFileFlags   = 1037
	rpmTagFileUser    = 1039
	rpmTagDirIndexes  = 1116
	rpmTagBaseNames   = 1117
	rpmTagDirNames    = 1118
)

// rpmFileConfig is the RPMFILE_CONFIG bit of a file's flags.
const rpmFileConfig = 1 << 0

// RPM header data types.
const (
	rpmInt16       = 3
	rpmInt32       = 4
	rpmString      = 6
	rpmStringArray = 8
	rpmI18nString  = 9
)

// rpmHeader holds the decoded entries of an RPM main header.
type rpmHeader map[uint32]any

// str returns a string tag, or "".
func (h rpmHeader) str(tag uint32) string {
	switch v := h[tag].(type) {
	case string:
		return v
	case []string:
		if len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// strs returns a string array tag.
func (h rpmHeader) strs(tag uint32) []string {
	v, _ := h[tag].([]string)
	return v
}

// ints returns an integer array tag, widened to int64.
func (h rpmHeader) ints(tag uint32) []int64 {
	v, _ := h[tag].([]int64)
	return v
}

// rpmFile is one file listed in an RPM header.
type rpmFile struct {
	path  string
	mode  os.FileMode // permission bits only
	mtime int64
	flags int64
	user  string
}

// files lists the package's files from the header's file tags.
func (h rpmHeader) files() ([]rpmFile, error) {
	base, dirs, idx := h.strs(rpmTagBaseNames), h.strs(rpmTagDirNames), h.ints(rpmTagDirIndexes)
	modes, mtimes, flags, users := h.ints(rpmTagFileModes), h.ints(rpmTagFileMtimes), h.ints(rpmTagFileFlags), h.strs(rpmTagFileUser)
	n := len(base)
	if len(idx) != n || len(modes) != n || len(mtimes) != n || len(flags) != n || len(users) != n {
		return nil, errors.New("rpm header: file tags of different lengths")
	}
	out := make([]rpmFile, n)
	for i := range n {
		if idx[i] < 0 || int(idx[i]) >= len(dirs) {
			return nil, fmt.Errorf("rpm header: dir index %d out of range", idx[i])
		}
		out[i] = rpmFile{
			path:  dirs[idx[i]] + base[i],
			mode:  os.FileMode(uint16(modes[i])).Perm(),
			mtime: mtimes[i],
			flags: flags[i],
			user:  users[i],
		}
	}
	return out, nil
}

// readRPMHeader reads the main header of the RPM package at path.
func readRPMHeader(path string) (rpmHeader, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	lead := make([]byte, 96)
	if _, err := io.ReadFull(file, lead); err != nil {
		return nil, fmt.Errorf("%s: rpm lead: %w", path, err)
	}
	if !bytes.Equal(lead[:4], []byte{0xed, 0xab, 0xee, 0xdb}) {
		return nil, fmt.Errorf("%s: not an RPM package", path)
	}
	// The signature header, padded to a multiple of 8 bytes.
	_, sigSize, err := readRPMHeaderBlock(file)
	if err != nil {
		return nil, fmt.Errorf("%s: signature header: %w", path, err)
	}
	if pad := (8 - sigSize%8) % 8; pad > 0 {
		if _, err := io.CopyN(io.Discard, file, int64(pad)); err != nil {
			return nil, fmt.Errorf("%s: signature padding: %w", path, err)
		}
	}
	h, _, err := readRPMHeaderBlock(file)
	if err != nil {
		return nil, fmt.Errorf("%s: main header: %w", path, err)
	}
	return h, nil
}

// readRPMHeaderBlock reads one header structure and returns its entries and
// its size in bytes.
func readRPMHeaderBlock(r io.Reader) (rpmHeader, int, error) {
	var intro struct {
		Magic    [3]byte
		Version  byte
		Reserved [4]byte
		Count    uint32
		Size     uint32
	}
	if err := binary.Read(r, binary.BigEndian, &intro); err != nil {
		return nil, 0, err
	}
	if intro.Magic != [3]byte{0x8e, 0xad, 0xe8} || intro.Version != 1 {
		return nil, 0, errors.New("bad header magic")
	}
	if intro.Count > 1<<16 || intro.Size > 64<<20 {
		return nil, 0, fmt.Errorf("implausible header: %d entries, %d bytes", intro.Count, intro.Size)
	}
	type entry struct{ Tag, Type, Offset, Count uint32 }
	entries := make([]entry, intro.Count)
	if err := binary.Read(r, binary.BigEndian, entries); err != nil {
		return nil, 0, err
	}
	store := make([]byte, intro.Size)
	if _, err := io.ReadFull(r, store); err != nil {
		return nil, 0, err
	}
	h := rpmHeader{}
	for _, e := range entries {
		if e.Offset > intro.Size {
			return nil, 0, fmt.Errorf("tag %d: offset %d past the store", e.Tag, e.Offset)
		}
		data := store[e.Offset:]
		switch e.Type {
		case rpmInt16, rpmInt32:
			width := 2
			if e.Type == rpmInt32 {
				width = 4
			}
			if uint64(len(data)) < uint64(e.Count)*uint64(width) {
				return nil, 0, fmt.Errorf("tag %d: short data", e.Tag)
			}
			values := make([]int64, e.Count)
			for i := range values {
				if width == 2 {
					values[i] = int64(binary.BigEndian.Uint16(data[i*2:]))
				} else {
					values[i] = int64(int32(binary.BigEndian.Uint32(data[i*4:])))
				}
			}
			h[e.Tag] = values
		case rpmString, rpmStringArray, rpmI18nString:
			var values []string
			for range e.Count {
				end := bytes.IndexByte(data, 0)
				if end < 0 {
					return nil, 0, fmt.Errorf("tag %d: unterminated string", e.Tag)
				}
				values = append(values, string(data[:end]))
				data = data[end+1:]
			}
			if e.Type == rpmString && len(values) == 1 {
				h[e.Tag] = values[0]
			} else {
				h[e.Tag] = values
			}
		}
	}
	return h, 16 + 16*int(intro.Count) + int(intro.Size), nil
}
