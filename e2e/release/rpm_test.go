package release

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/go-multistage/multistage/e2e/internal/command"
)

// rpmQueryFormat makes `rpm -qp` print a package's tags, one per line, then
// one tab-separated line per file.
const rpmQueryFormat = "%{NAME}\n%{VERSION}\n%{RELEASE}\n%{ARCH}\n%{LICENSE}\n" +
	"[%{FILENAMES}\t%{FILEMODES:octal}\t%{FILEMTIMES}\t%{FILEUSERNAME}\t%{FILEFLAGS}\t%{FILEDIGESTS}\n]"

// rpmFileConfig is the RPMFILE_CONFIG bit of a file's flags.
const rpmFileConfig = 1 << 0

// rpmPackage is what rpm says of a package file.
type rpmPackage struct {
	name, version, release, arch, license string
	files                                 []rpmFile
}

// rpmFile is one file a package lists.
type rpmFile struct {
	path   string
	mode   os.FileMode // permission bits only
	mtime  int64
	user   string
	flags  int64
	digest string // hex SHA-256 of the content, empty for a directory
}

// queryRPM reads the package at path with rpm (make deps installs it),
// without checking signatures or digests: the tests check those themselves.
func queryRPM(path string) (rpmPackage, error) {
	out, err := command.New("rpm", "-qp", "--nosignature", "--nodigest", "--queryformat", rpmQueryFormat, path).Output()
	if err != nil {
		return rpmPackage{}, err
	}
	lines := strings.Split(out, "\n")
	if len(lines) < 5 {
		return rpmPackage{}, fmt.Errorf("rpm -qp %s: %d lines, want at least 5 tags", path, len(lines))
	}
	p := rpmPackage{name: lines[0], version: lines[1], release: lines[2], arch: lines[3], license: lines[4]}
	for _, line := range lines[5:] {
		f, err := parseRPMFile(line)
		if err != nil {
			return rpmPackage{}, fmt.Errorf("rpm -qp %s: %w", path, err)
		}
		p.files = append(p.files, f)
	}
	return p, nil
}

// parseRPMFile parses one file line of rpmQueryFormat.
func parseRPMFile(line string) (rpmFile, error) {
	fields := strings.Split(line, "\t")
	if len(fields) != 6 {
		return rpmFile{}, fmt.Errorf("file line %q: %d fields, want 6", line, len(fields))
	}
	mode, err := strconv.ParseUint(fields[1], 8, 32)
	if err != nil {
		return rpmFile{}, fmt.Errorf("file line %q: mode: %w", line, err)
	}
	mtime, err := strconv.ParseInt(fields[2], 10, 64)
	if err != nil {
		return rpmFile{}, fmt.Errorf("file line %q: mtime: %w", line, err)
	}
	flags, err := strconv.ParseInt(fields[4], 10, 64)
	if err != nil {
		return rpmFile{}, fmt.Errorf("file line %q: flags: %w", line, err)
	}
	return rpmFile{
		path: fields[0], mode: os.FileMode(mode).Perm(), mtime: mtime,
		user: fields[3], flags: flags, digest: fields[5],
	}, nil
}
