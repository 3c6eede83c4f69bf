package pdf

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"sync"
)

// Logos are limited to a sane size: one is decoded for every render.
const maxLogoPixels = 1000 * 1000

// flattenLogo returns the logo as an opaque 8-bit RGB PNG on a white
// background. gofpdf copies such a PNG's data as it is, whereas one with an
// alpha channel is decompressed, split and compressed again — and maroto
// registers the header image anew on every page: on a 50-page document the
// logo alone took a quarter of the time. Interlaced and 16-bit PNGs, which
// gofpdf refuses, come out readable too.
func flattenLogo(raw []byte) ([]byte, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("logo is not a PNG image: %w", err)
	}
	if cfg.Width*cfg.Height > maxLogoPixels {
		return nil, fmt.Errorf("logo is %dx%d pixels, more than %d", cfg.Width, cfg.Height, maxLogoPixels)
	}
	src, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("logo is not a PNG image: %w", err)
	}
	dst := image.NewRGBA(src.Bounds())
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(dst, dst.Bounds(), src, src.Bounds().Min, draw.Over)
	var out bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, dst); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// flatLogos keeps the last logos flattened, by the SHA-256 of what they
// were: the company's logo comes from the database with every document, and
// flattening a large one costs far more than the rest of a one-page
// rendering (0.7 s for 1000×1000 pixels).
var flatLogos = struct {
	sync.Mutex
	byHash map[[sha256.Size]byte][]byte
	order  [][sha256.Size]byte // oldest first
}{byHash: map[[sha256.Size]byte][]byte{}}

// maxFlatLogos bounds the cache: one company has one logo, a few cover a
// change while documents are being rendered.
const maxFlatLogos = 4

// flattenLogoCached is flattenLogo remembering its last results. The bytes
// returned are shared: nothing may write into them (gofpdf reads them).
func flattenLogoCached(raw []byte) ([]byte, error) {
	key := sha256.Sum256(raw)
	flatLogos.Lock()
	out, ok := flatLogos.byHash[key]
	flatLogos.Unlock()
	if ok {
		return out, nil
	}
	out, err := flattenLogo(raw)
	if err != nil {
		return nil, err
	}
	flatLogos.Lock()
	defer flatLogos.Unlock()
	if _, ok := flatLogos.byHash[key]; !ok {
		if len(flatLogos.order) == maxFlatLogos {
			delete(flatLogos.byHash, flatLogos.order[0])
			flatLogos.order = flatLogos.order[1:]
		}
		flatLogos.byHash[key] = out
		flatLogos.order = append(flatLogos.order, key)
	}
	return out, nil
}
