package pdf

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
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
