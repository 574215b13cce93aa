package release

import (
	"bufio"
	"bytes"
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
	"strings"
	"testing"
)

// apkKeyName is nfpms[].apk.signature.key_name of .goreleaser.yaml: apk looks
// for the public key as /etc/apk/keys/<apkKeyName>.rsa.pub.
const apkKeyName = "go-multistage"

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

// TestAPKSignatures checks that every apk is signed with the release's key
// (here the snapshot's throwaway key) as apk-tools verifies it, and that the
// check fails for a changed control or data segment and for another key.
func TestAPKSignatures(t *testing.T) {
	f := snapshot(t)
	if apkPublicKey == nil {
		t.Fatal("the snapshots ran without a throwaway apk key")
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range packagesOf(t, f, "apk") {
		t.Run(pkg.Name, func(t *testing.T) {
			raw, err := os.ReadFile(f.path(pkg))
			if err != nil {
				t.Fatal(err)
			}
			if err := verifyAPK(raw, apkPublicKey); err != nil {
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
				if err := verifyAPK(tamper, apkPublicKey); err == nil {
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
