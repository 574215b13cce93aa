package release

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // apk signs the SHA-1 of the control segment
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-multistage/multistage/e2e/internal/repo"
	"sigs.k8s.io/yaml"
)

// apkKeyName is nfpms[].apk.signature.key_name of .goreleaser.yaml: apk looks
// for the public key as /etc/apk/keys/<apkKeyName>.rsa.pub.
const apkKeyName = "go-multistage"

// apkPublicKeyFile is the release file users copy to /etc/apk/keys/: the
// public half of the key the .apk files are signed with, listed in
// checksums.txt (checksum.extra_files of .goreleaser.yaml).
const apkPublicKeyFile = apkKeyName + ".rsa.pub"

// apkPublicKey is the public half of the throwaway key the snapshots signed
// their apk packages with (set by useThrowawayAPKKey).
var apkPublicKey *rsa.PublicKey

// useThrowawayAPKKey makes an RSA key pair in dir for this test run and points
// APK_SIGNING_KEY_FILE at its private half, which .goreleaser.yaml signs the
// snapshots' apk packages with. A release uses the APK_SIGNING_KEY secret.
func useThrowawayAPKKey(dir string) error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return fmt.Errorf("apk signing key: %w", err)
	}
	path := filepath.Join(dir, apkKeyName+".rsa")
	block := &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return fmt.Errorf("apk signing key: %w", err)
	}
	apkPublicKey = &key.PublicKey
	return os.Setenv("APK_SIGNING_KEY_FILE", path)
}

// apkSegments are the three gzip streams an apk package is made of, as raw
// (compressed) bytes: apk hashes and signs them as they are on disk.
type apkSegments struct {
	signature, control, data []byte
}

// splitAPK cuts an apk package into its gzip streams.
func splitAPK(raw []byte) (apkSegments, error) {
	var parts [][]byte
	r := bytes.NewReader(raw)
	for r.Len() > 0 {
		start := len(raw) - r.Len()
		// A bytes.Reader is an io.ByteReader, so gzip reads no byte past
		// the end of its stream.
		zr, err := gzip.NewReader(r)
		if err != nil {
			return apkSegments{}, fmt.Errorf("gzip stream %d: %w", len(parts)+1, err)
		}
		zr.Multistream(false)
		if _, err := io.Copy(io.Discard, zr); err != nil {
			return apkSegments{}, fmt.Errorf("gzip stream %d: %w", len(parts)+1, err)
		}
		parts = append(parts, raw[start:len(raw)-r.Len()])
	}
	if len(parts) != 3 {
		return apkSegments{}, fmt.Errorf("%d gzip streams, want 3 (signature, control, data): unsigned?", len(parts))
	}
	return apkSegments{parts[0], parts[1], parts[2]}, nil
}

// tarEntries reads every entry of one gzip'd tar segment, which apk writes
// without the end-of-archive blocks, keyed by its name as written (apk-tools
// matches ".SIGN." and ".PKGINFO" exactly, with no "./").
func tarEntries(segment []byte) (map[string][]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(segment))
	if err != nil {
		return nil, err
	}
	entries, err := readTarEntries(zr)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for _, e := range entries {
		files[e.header.Name] = e.data
	}
	return files, nil
}

// verifyAPK checks an apk package as `apk add` does with key in
// /etc/apk/keys: the RSA signature over the SHA-1 of the control segment, and
// the data segment's SHA-256 against .PKGINFO's datahash.
func verifyAPK(raw []byte, key *rsa.PublicKey) error {
	seg, err := splitAPK(raw)
	if err != nil {
		return err
	}
	sigs, err := tarEntries(seg.signature)
	if err != nil {
		return fmt.Errorf("signature segment: %w", err)
	}
	sigName := ".SIGN.RSA." + apkKeyName + ".rsa.pub"
	sig, ok := sigs[sigName]
	if !ok || len(sigs) != 1 {
		return fmt.Errorf("signature segment holds %d entries, want only %s", len(sigs), sigName)
	}
	digest := sha1.Sum(seg.control) //nolint:gosec // what apk signs
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA1, digest[:], sig); err != nil {
		return fmt.Errorf("signature of the control segment: %w", err)
	}
	control, err := tarEntries(seg.control)
	if err != nil {
		return fmt.Errorf("control segment: %w", err)
	}
	var datahash string
	sc := bufio.NewScanner(bytes.NewReader(control[".PKGINFO"]))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "datahash = "); ok {
			datahash = v
		}
	}
	if sum := sha256.Sum256(seg.data); datahash != hex.EncodeToString(sum[:]) {
		return fmt.Errorf(".PKGINFO datahash %q, but the data segment's SHA-256 is %x", datahash, sum)
	}
	return nil
}

// listedAPKKey returns the apk public key in dist after checking that
// checksums.txt lists it with its SHA-256 (so the signature of checksums.txt
// vouches for it) and that it is one PEM "PUBLIC KEY" block holding an RSA
// key, the form apk-tools reads from /etc/apk/keys.
func listedAPKKey(t *testing.T, dist string) *rsa.PublicKey {
	t.Helper()
	want, ok := readChecksums(t, filepath.Join(dist, "checksums.txt"))[apkPublicKeyFile]
	if !ok {
		t.Fatalf("checksums.txt does not list %s: nothing vouches for the key apk users trust", apkPublicKeyFile)
	}
	path := filepath.Join(dist, apkPublicKeyFile)
	if got := sha256File(t, path); got != want {
		t.Fatalf("%s: sha256 %s, checksums.txt says %s", apkPublicKeyFile, got, want)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	key, err := parseRSAPublicKey(raw)
	if err != nil {
		t.Fatalf("%s: %v", apkPublicKeyFile, err)
	}
	return key
}

// parseRSAPublicKey reads a PEM "PUBLIC KEY" block (PKIX) holding an RSA key,
// with nothing else in the file.
func parseRSAPublicKey(raw []byte) (*rsa.PublicKey, error) {
	block, rest := pem.Decode(raw)
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("no PEM PUBLIC KEY block")
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, fmt.Errorf("%d bytes after the PEM block", len(rest))
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	key, ok := pub.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("a %T, want an RSA key", pub)
	}
	return key, nil
}

// TestAPKSignatures checks that every apk is signed with the release's key
// (here the snapshot's throwaway key) as apk-tools verifies it, with the
// public key the snapshot lists in checksums.txt, and that the check fails
// for a changed control or data segment and for another key.
func TestAPKSignatures(t *testing.T) {
	f := snapshot(t)
	if apkPublicKey == nil {
		t.Fatal("the snapshots ran without a throwaway apk key")
	}
	listed := listedAPKKey(t, f.dist)
	if !listed.Equal(apkPublicKey) {
		t.Fatalf("dist/%s is not the public half of APK_SIGNING_KEY_FILE, the key the packages are signed with", apkPublicKeyFile)
	}
	verifyAPKsWith(t, packagesOf(t, f, "apk"), f.path, listed)
}

// verifyAPKsWith checks every apk package against key (the one the release
// lists in checksums.txt), and that an unrelated key and a changed control
// or data segment fail the check.
func verifyAPKsWith(t *testing.T, pkgs []art, path func(art) string, key *rsa.PublicKey) {
	t.Helper()
	if len(pkgs) != len(binaries)*len(arches) {
		t.Errorf("%d apk packages, want %d", len(pkgs), len(binaries)*len(arches))
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range pkgs {
		t.Run(pkg.Name, func(t *testing.T) {
			raw, err := os.ReadFile(path(pkg))
			if err != nil {
				t.Fatal(err)
			}
			if err := verifyAPK(raw, key); err != nil {
				t.Fatalf("%s: %v", pkg.Name, err)
			}
			if err := verifyAPK(raw, &other.PublicKey); err == nil {
				t.Errorf("%s verifies with an unrelated key", pkg.Name)
			}
			seg, err := splitAPK(raw)
			if err != nil {
				t.Fatal(err)
			}
			for name, tamper := range map[string][]byte{
				"control": tamperedCopy(raw, len(seg.signature)+len(seg.control)/2),
				"data":    tamperedCopy(raw, len(raw)-len(seg.data)/2),
			} {
				if err := verifyAPK(tamper, key); err == nil {
					t.Errorf("%s with a changed %s segment still verifies", pkg.Name, name)
				}
			}
		})
	}
}

// tamperedCopy returns raw with the byte at i changed.
func tamperedCopy(raw []byte, i int) []byte {
	out := bytes.Clone(raw)
	out[i] ^= 0x01
	return out
}

// goreleaserExtraFiles is what checkAPKKeyPublishing reads of .goreleaser.yaml.
type goreleaserExtraFiles struct {
	Checksum struct {
		ExtraFiles []extraFile `json:"extra_files"`
	} `json:"checksum"`
	Release struct {
		ExtraFiles []extraFile `json:"extra_files"`
	} `json:"release"`
}

// extraFile is an entry of GoReleaser's checksum.extra_files or
// release.extra_files.
type extraFile struct {
	Glob         string `json:"glob"`
	NameTemplate string `json:"name_template"`
}

// checkAPKKeyPublishing checks how the apk public key gets onto a release:
// GoReleaser lists exactly it in checksums.txt (checksum.extra_files) and
// uploads that same file once (release.extra_files), from the file
// APK_PUBLIC_KEY_FILE names, which release.yml derives from the signing key
// with scripts/apk-key.sh;
// no workflow step uploads release files behind GoReleaser's back (the key
// would then be uploaded twice, or without checksums.txt vouching for it).
func checkAPKKeyPublishing(goreleaserYAML, releaseYML []byte) []error {
	var cfg goreleaserExtraFiles
	if err := yaml.Unmarshal(goreleaserYAML, &cfg); err != nil {
		return []error{fmt.Errorf(".goreleaser.yaml: %v", err)}
	}
	var errs []error
	for section, files := range map[string][]extraFile{
		"checksum": cfg.Checksum.ExtraFiles,
		"release":  cfg.Release.ExtraFiles,
	} {
		if len(files) != 1 || files[0].NameTemplate != apkPublicKeyFile ||
			!strings.Contains(files[0].Glob, ".Env.APK_PUBLIC_KEY_FILE") {
			errs = append(errs, fmt.Errorf(".goreleaser.yaml: %s.extra_files is %+v, want only the glob {{ .Env.APK_PUBLIC_KEY_FILE }} named %s", section, files, apkPublicKeyFile))
		}
	}
	if !slices.Equal(cfg.Checksum.ExtraFiles, cfg.Release.ExtraFiles) {
		errs = append(errs, fmt.Errorf(".goreleaser.yaml: the release uploads %+v, but checksums.txt lists %+v", cfg.Release.ExtraFiles, cfg.Checksum.ExtraFiles))
	}
	var wf workflow
	if err := yaml.Unmarshal(releaseYML, &wf); err != nil {
		return append(errs, fmt.Errorf("release.yml: %v", err))
	}
	derived := false
	for name, job := range wf.Jobs {
		for i, step := range job.Steps {
			if strings.Contains(step.Run, "gh release upload") || strings.Contains(step.Run, "gh release create") {
				errs = append(errs, fmt.Errorf("release.yml: job %s, step %d (%s) uploads release files outside GoReleaser", name, i+1, cmp.Or(step.Name, firstLine(step.Run))))
			}
			// apk-key.sh derives the public half (TestGoReleaserUploadsAPKKey
			// runs it) and prints APK_PUBLIC_KEY_FILE=... for $GITHUB_ENV.
			if strings.HasPrefix(step.Run, "scripts/apk-key.sh ") && strings.HasSuffix(strings.TrimSpace(step.Run), `>>"$GITHUB_ENV"`) {
				derived = true
			}
		}
	}
	if !derived {
		errs = append(errs, fmt.Errorf("release.yml: no step derives .release-keys/%s from the signing key and exports it as APK_PUBLIC_KEY_FILE", apkPublicKeyFile))
	}
	return errs
}

// TestAPKKeyPublishedOnce checks .goreleaser.yaml and release.yml with
// checkAPKKeyPublishing, and that the check refuses a configuration that
// drops the key from checksums.txt, one that uploads another file, and a
// workflow that uploads the key itself.
func TestAPKKeyPublishedOnce(t *testing.T) {
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	config, err := os.ReadFile(filepath.Join(root, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	workflowFile, err := os.ReadFile(filepath.Join(root, ".github", "workflows", "release.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range checkAPKKeyPublishing(config, workflowFile) {
		t.Error(err)
	}

	const keyGlob = `{{ if isEnvSet "APK_SIGNING_KEY_FILE" }}{{ .Env.APK_PUBLIC_KEY_FILE }}{{ end }}`
	entry := func(glob, name string) string {
		return fmt.Sprintf("  extra_files:\n    - glob: '%s'\n      name_template: %s\n", glob, name)
	}
	good := "checksum:\n" + entry(keyGlob, apkPublicKeyFile) + "release:\n" + entry(keyGlob, apkPublicKeyFile)
	deriving := "jobs:\n  release:\n    steps:\n      - run: scripts/apk-key.sh \"$RUNNER_TEMP\" >>\"$GITHUB_ENV\"\n"
	for _, tc := range []struct {
		name             string
		config, workflow string
		wantErrs         int
	}{
		{"as released", good, deriving, 0},
		{"key not in checksums.txt", "release:\n" + entry(keyGlob, apkPublicKeyFile), deriving, 2},
		{"key not uploaded", "checksum:\n" + entry(keyGlob, apkPublicKeyFile), deriving, 2},
		{"another file uploaded", "checksum:\n" + entry(keyGlob, apkPublicKeyFile) + "release:\n" + entry(keyGlob, "key.pub"), deriving, 2},
		{"a key of its own", "checksum:\n" + entry("keys/go-multistage.rsa.pub", apkPublicKeyFile) + "release:\n" + entry("keys/go-multistage.rsa.pub", apkPublicKeyFile), deriving, 2},
		{"uploaded by the workflow too", good, deriving + "      - run: gh release upload \"$GITHUB_REF_NAME\" \"$RUNNER_TEMP/go-multistage.rsa.pub\"\n", 1},
		{"not derived", good, "jobs:\n  release:\n    steps:\n      - run: echo\n", 1},
		{"derived but not exported", good, "jobs:\n  release:\n    steps:\n      - run: scripts/apk-key.sh \"$RUNNER_TEMP\"\n", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if errs := checkAPKKeyPublishing([]byte(tc.config), []byte(tc.workflow)); len(errs) != tc.wantErrs {
				t.Errorf("%d errors, want %d: %v", len(errs), tc.wantErrs, errs)
			}
		})
	}
}
