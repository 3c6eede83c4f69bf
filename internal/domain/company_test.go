package domain

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"slices"
	"testing"
	"time"
)

func TestValidIBAN(t *testing.T) {
	for iban, want := range map[string]bool{
		"FR1420041010050500013M02606":            true,
		"DE89370400440532013000":                 true,
		"GB82WEST12345698765432":                 true,
		"BR1800360305000010009795493C1":          true,
		"FR1420041010050500013M02607":            false, // one digit off
		"GB82WEST12345698765433":                 false,
		"FR14":                                   false,
		"1420041010050500013M02606FR":            false,
		"FR14 2004 1010 0505 0001 3M02 606":      false, // Normalize compacts first
		"fr1420041010050500013m02606":            false,
		"FR142004101005050001302606123456789012": false, // longer than 34
	} {
		if got := ValidIBAN(iban); got != want {
			t.Errorf("ValidIBAN(%q) = %v, want %v", iban, got, want)
		}
	}
}

func TestCompanySettingsCheck(t *testing.T) {
	s := func(v string) *string { return &v }
	in := CompanySettings{IBAN: s(" fr14 2004 1010 0505 0001 3m02 606 "), BIC: s("bnpa fr pp"), Country: s(" FR ")}
	in.Normalize()
	if err := in.Check().OrNil(); err != nil || *in.IBAN != "FR1420041010050500013M02606" || *in.BIC != "BNPAFRPP" || *in.Country != "FR" {
		t.Fatalf("normalised %s %s %s: %v", *in.IBAN, *in.BIC, *in.Country, err)
	}
	// Empty strings are values: nothing is printed, and nothing is checked.
	empty := CompanySettings{IBAN: s(""), BIC: s(""), Country: s(""), Email: s("")}
	if err := empty.Check().OrNil(); err != nil {
		t.Fatalf("empty values: %v", err)
	}
	days := MaxPaymentTermsDays + 1
	ids := []string{"a", "b", "c", "d", "e", "f"}
	bad := CompanySettings{Name: s(""), Country: s("France"), IBAN: s("FR1420041010050500013M02607"), BIC: s("BNPAFRPPX"),
		Email: s("x"), DefaultPaymentTermsDays: &days, RegistrationIDs: &ids}
	var got []string
	for _, f := range bad.Check().Fields {
		got = append(got, f.Field)
	}
	if want := []string{"name", "country", "registration_ids", "email", "iban", "bic", "default_payment_terms_days"}; !slices.Equal(got, want) {
		t.Errorf("fields %v, want %v", got, want)
	}
}

func TestCompanySettingsResolve(t *testing.T) {
	env := Company{Name: "Env", Email: "env@x.test", Phone: "1", DefaultPaymentTermsDays: 30}
	name, phone, days := "Stored", "", 0
	c := (&CompanySettings{Name: &name, Phone: &phone, DefaultPaymentTermsDays: &days, UpdatedAt: time.Unix(5, 0)}).Resolve(env)
	if c.Name != "Stored" || c.Email != "env@x.test" || c.Phone != "" || c.DefaultPaymentTermsDays != 0 {
		t.Fatalf("resolved %+v", c)
	}
	if slices.Contains(c.FromEnvironment, "name") || slices.Contains(c.FromEnvironment, "phone") || !slices.Contains(c.FromEnvironment, "email") || len(c.FromEnvironment) != 8 {
		t.Errorf("from environment %v", c.FromEnvironment)
	}
	sixty := 60
	if c.PaymentTermsDays(&ThirdParty{PaymentTermsDays: &sixty}) != 60 || c.PaymentTermsDays(&ThirdParty{}) != 0 || c.PaymentTermsDays(nil) != 0 {
		t.Error("a third party's own terms come first, then the company's")
	}
}

func TestLogoAsPNG(t *testing.T) {
	var p, j bytes.Buffer
	if err := png.Encode(&p, image.NewGray(image.Rect(0, 0, 4, 3))); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&j, image.NewGray(image.Rect(0, 0, 5, 2)), nil); err != nil {
		t.Fatal(err)
	}
	if out, err := LogoAsPNG(ContentTypePNG, p.Bytes()); err != nil || !bytes.Equal(out, p.Bytes()) {
		t.Errorf("PNG: %v", err)
	}
	out, err := LogoAsPNG(ContentTypeJPEG, j.Bytes())
	if cfg, cerr := png.DecodeConfig(bytes.NewReader(out)); err != nil || cerr != nil || cfg.Width != 5 || cfg.Height != 2 {
		t.Errorf("JPEG → PNG: %v %v %+v", err, cerr, cfg)
	}
	var huge bytes.Buffer
	if err := png.Encode(&huge, image.NewGray(image.Rect(0, 0, 2000, 501))); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		ct  string
		raw []byte
	}{
		"garbage": {ContentTypePNG, []byte("nope")}, "JPEG as PNG": {ContentTypePNG, j.Bytes()}, "PNG as JPEG": {ContentTypeJPEG, p.Bytes()},
		"truncated": {ContentTypePNG, p.Bytes()[:len(p.Bytes())-20]}, "too many pixels": {ContentTypePNG, huge.Bytes()},
		"GIF": {"image/gif", []byte("GIF89a")},
	} {
		var v *ValidationError
		if _, err := LogoAsPNG(c.ct, c.raw); !errors.As(err, &v) || v.Fields[0].Field != "logo" {
			t.Errorf("%s: %v", name, err)
		}
	}
}
