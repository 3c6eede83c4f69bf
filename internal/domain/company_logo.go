package domain

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
)

// MaxLogoPixels bounds the logo's area: it is decoded for every document
// rendered (the PDF renderer refuses larger ones as well).
const MaxLogoPixels = 1000 * 1000

// Logo content types accepted on upload.
const (
	ContentTypePNG  = "image/png"
	ContentTypeJPEG = "image/jpeg"
)

// LogoAsPNG decodes an uploaded logo of contentType (ContentTypePNG or
// ContentTypeJPEG) and returns it as a PNG: the PDF renderer reads one
// format only, and a file that does not decode is refused here rather than
// at each rendering. Field errors name "logo".
func LogoAsPNG(contentType string, raw []byte) ([]byte, error) {
	var decodeConfig func([]byte) (image.Config, error)
	var decode func([]byte) (image.Image, error)
	switch contentType {
	case ContentTypePNG:
		decodeConfig = func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }
	case ContentTypeJPEG:
		decodeConfig = func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }
	default:
		return nil, Invalid("logo", "must be a PNG or JPEG image")
	}
	// The header first: a huge image is refused before its pixels are allocated.
	cfg, err := decodeConfig(raw)
	if err != nil {
		return nil, Invalid("logo", "is not a readable %s image", contentType)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width*cfg.Height > MaxLogoPixels {
		return nil, Invalid("logo", "is %d×%d pixels: at most %d pixels in all (e.g. 1000×1000)", cfg.Width, cfg.Height, MaxLogoPixels)
	}
	img, err := decode(raw)
	if err != nil {
		return nil, Invalid("logo", "is not a readable %s image", contentType)
	}
	if contentType == ContentTypePNG {
		return raw, nil // decodes, so the renderer reads it as it is
	}
	var out bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, img); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
