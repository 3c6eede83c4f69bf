package config

import (
	"os"
	"regexp"
	"testing"
)

// docs/configuration.md must list every variable with its default, and
// nothing else: operators read it, not the struct tags.
func TestConfigurationDocMatchesCode(t *testing.T) {
	raw, err := os.ReadFile("../../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `(DOLIGO_[A-Z0-9_]+)` \\| (?:`([^`]*)`|—) \\|")
	documented := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(raw), -1) {
		if _, dup := documented[m[1]]; dup {
			t.Errorf("%s is documented twice", m[1])
		}
		documented[m[1]] = m[2]
	}
	for _, v := range Variables() {
		def, ok := documented[v.Name]
		if !ok {
			t.Errorf("%s (default %q) is missing from docs/configuration.md", v.Name, v.Default)
			continue
		}
		if def != v.Default {
			t.Errorf("%s: docs say default %q, code says %q", v.Name, def, v.Default)
		}
		delete(documented, v.Name)
	}
	for name := range documented {
		t.Errorf("docs/configuration.md documents %s, which the code does not read", name)
	}
}
