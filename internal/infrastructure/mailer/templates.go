package mailer

import (
	"bytes"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"path"
	"slices"
	"strings"
	texttemplate "text/template"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/i18n"
)

// FallbackLang is the language of last resort: every template exists in it.
const FallbackLang = "en"

// ErrUnknownTemplate is returned for a template name no language has.
var ErrUnknownTemplate = errors.New("unknown e-mail template")

// Templates are the e-mail templates of every language, parsed once. Each
// language's templates write amounts and dates with the formats of that
// language in the i18n catalog, the ones the PDFs use ({{money .total
// .currency}} → "1 989,01 EUR", {{date .due_date}} → "01/01/2027" in French),
// so an e-mail and its attachment write them alike.
type Templates struct {
	langs   map[string]map[string]*emailTemplate // language tag → name → template
	matcher *i18n.Matcher                        // FallbackLang first
}

type emailTemplate struct {
	subject, text *texttemplate.Template
	html          *htmltemplate.Template // nil when the e-mail is text only
}

// LoadTemplates parses <lang>/<name>.subject.txt, <name>.txt and, optionally,
// <name>.html under root of fsys (e.g. embed.EmailTemplates, "templates/email"),
// with the formats of formats (i18n.Embedded() in the binaries). It fails
// when a template lacks its subject or text, when a template of some
// language is missing in the fallback language, or when a language has
// templates but no formats of its own (its amounts would come out English).
func LoadTemplates(fsys fs.FS, root string, formats *i18n.Catalog) (*Templates, error) {
	dirs, err := fs.ReadDir(fsys, root)
	if err != nil {
		return nil, fmt.Errorf("e-mail templates: %w", err)
	}
	t := &Templates{langs: map[string]map[string]*emailTemplate{}}
	for _, dir := range dirs {
		if !dir.IsDir() {
			continue
		}
		lang := dir.Name()
		loc := formats.Locale(lang)
		if loc.Tag != lang {
			return nil, fmt.Errorf("e-mail templates %s: the i18n catalog has no %s formats", lang, lang)
		}
		set, err := loadLanguage(fsys, path.Join(root, lang), formatFuncs(loc))
		if err != nil {
			return nil, fmt.Errorf("e-mail templates %s: %w", lang, err)
		}
		t.langs[lang] = set
	}
	fallback, ok := t.langs[FallbackLang]
	if !ok {
		return nil, fmt.Errorf("e-mail templates: no %s templates", FallbackLang)
	}
	for lang, set := range t.langs {
		for name := range set {
			if fallback[name] == nil {
				return nil, fmt.Errorf("e-mail templates: %s/%s has no %s version to fall back on", lang, name, FallbackLang)
			}
		}
	}
	// The PDF's negotiation, so that an e-mail and its attachment agree.
	tags := slices.DeleteFunc(t.Languages(), func(l string) bool { return l == FallbackLang })
	if t.matcher, err = i18n.NewMatcher(append([]string{FallbackLang}, tags...)); err != nil {
		return nil, fmt.Errorf("e-mail templates: %w", err)
	}
	return t, nil
}

func loadLanguage(fsys fs.FS, dir string, funcs map[string]any) (map[string]*emailTemplate, error) {
	files, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	set := map[string]*emailTemplate{}
	get := func(name string) *emailTemplate {
		if set[name] == nil {
			set[name] = &emailTemplate{}
		}
		return set[name]
	}
	for _, f := range files {
		raw, err := fs.ReadFile(fsys, path.Join(dir, f.Name()))
		if err != nil {
			return nil, err
		}
		file := f.Name()
		switch {
		case strings.HasSuffix(file, ".subject.txt"):
			name := strings.TrimSuffix(file, ".subject.txt")
			get(name).subject, err = texttemplate.New(file).Funcs(funcs).Parse(string(raw))
		case strings.HasSuffix(file, ".txt"):
			name := strings.TrimSuffix(file, ".txt")
			get(name).text, err = texttemplate.New(file).Funcs(funcs).Parse(string(raw))
		case strings.HasSuffix(file, ".html"):
			name := strings.TrimSuffix(file, ".html")
			get(name).html, err = htmltemplate.New(file).Funcs(funcs).Parse(string(raw))
		default:
			err = errors.New("not a .subject.txt, .txt or .html template")
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
	}
	for name, tmpl := range set {
		if tmpl.subject == nil || tmpl.text == nil {
			return nil, fmt.Errorf("%s needs both %s.subject.txt and %s.txt", name, name, name)
		}
	}
	return set, nil
}

// Languages lists the languages that have templates.
func (t *Templates) Languages() []string {
	out := make([]string, 0, len(t.langs))
	for l := range t.langs {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

// Render fills template name of the language closest to lang (negotiated as
// for the PDFs, see i18n.Matcher: fr-CA → fr, pt-PT → pt-BR, else English)
// with data.
// Data keys the template uses but data lacks render empty when guarded by
// {{if}}; templates guard every optional key. It implements
// usecase.EmailTemplates.
func (t *Templates) Render(name, lang string, data map[string]any) (domain.EmailContent, error) {
	tmpl := t.langs[t.matcher.Match(lang)][name]
	if tmpl == nil {
		tmpl = t.langs[FallbackLang][name]
	}
	if tmpl == nil {
		return domain.EmailContent{}, fmt.Errorf("%w %q", ErrUnknownTemplate, name)
	}
	var r domain.EmailContent
	var b bytes.Buffer
	if err := tmpl.subject.Execute(&b, data); err != nil {
		return domain.EmailContent{}, fmt.Errorf("subject of %s: %w", name, err)
	}
	// One line: a header cannot hold a line break.
	r.Subject = strings.Join(strings.Fields(b.String()), " ")
	b.Reset()
	if err := tmpl.text.Execute(&b, data); err != nil {
		return domain.EmailContent{}, fmt.Errorf("text of %s: %w", name, err)
	}
	r.Text = strings.TrimSpace(b.String()) + "\n"
	if tmpl.html != nil {
		b.Reset()
		if err := tmpl.html.Execute(&b, data); err != nil {
			return domain.EmailContent{}, fmt.Errorf("HTML of %s: %w", name, err)
		}
		r.HTML = b.String()
	}
	return r, nil
}
