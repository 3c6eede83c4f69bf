package portability_test

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/doligo/doligo/internal/infrastructure/config"
)

// No Docker engine runs in CI, so these tests read the Dockerfile and
// docker-compose.yml and hold them to what the binaries need.

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd  string // upper case: FROM, RUN, COPY…
	args string
}

// stage is one FROM … and the instructions that follow it.
type stage struct {
	from, name string
	body       []instruction
}

func (s stage) all(cmd string) []string {
	var out []string
	for _, in := range s.body {
		if in.cmd == cmd {
			out = append(out, in.args)
		}
	}
	return out
}

func parseDockerfile(t *testing.T, text string) []stage {
	t.Helper()
	var (
		stages  []stage
		pending string
	)
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if pending == "" && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if strings.HasPrefix(trimmed, "#") { // a comment inside a continued instruction
			continue
		}
		if body, ok := strings.CutSuffix(trimmed, `\`); ok {
			pending += body + " "
			continue
		}
		full := strings.TrimSpace(pending + trimmed)
		pending = ""
		if full == "" {
			continue
		}
		cmd, args, _ := strings.Cut(full, " ")
		in := instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		switch {
		case in.cmd == "FROM":
			f := strings.Fields(in.args)
			s := stage{from: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				s.name = f[2]
			}
			stages = append(stages, s)
		case len(stages) == 0: // global ARGs before the first FROM
			if in.cmd != "ARG" {
				t.Fatalf("Dockerfile: %s before the first FROM", in.cmd)
			}
		default:
			stages[len(stages)-1].body = append(stages[len(stages)-1].body, in)
		}
	}
	if pending != "" {
		t.Fatal("Dockerfile ends inside a continued line")
	}
	return stages
}

// execForm decodes a JSON-array (exec form) argument; shell form cannot run in
// an image without a shell.
func execForm(t *testing.T, what, args string) []string {
	t.Helper()
	var argv []string
	if err := json.Unmarshal([]byte(args), &argv); err != nil {
		t.Fatalf("%s %s: not exec form (a JSON array): scratch has no shell", what, args)
	}
	return argv
}

// envPairs reads ENV KEY=VALUE [KEY=VALUE…] (values without spaces).
func envPairs(t *testing.T, args string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range strings.Fields(args) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			t.Fatalf("ENV %s: use the KEY=VALUE form", args)
		}
		out[k] = strings.Trim(v, `"`)
	}
	return out
}

func readRepoFile(t *testing.T, name string) string {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func configDefault(t *testing.T, name string) string {
	t.Helper()
	for _, v := range config.Variables() {
		if v.Name == name {
			return v.Default
		}
	}
	t.Fatalf("%s is not a configuration variable", name)
	return ""
}

// port returns the port of a listen address such as ":8080".
func port(t *testing.T, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var doligoVar = regexp.MustCompile(`\bDOLIGO_[A-Z0-9_]+`)

// An unknown DOLIGO_ variable stops the binaries at start-up, so a misspelt
// one in a deployment file must fail here rather than in production.
func TestDeploymentFilesNameOnlyKnownVariables(t *testing.T) {
	known := map[string]bool{}
	for _, v := range config.Variables() {
		known[v.Name] = true
	}
	for _, name := range []string{"Dockerfile", "docker-compose.yml", "docs/deployment.md"} {
		text := readRepoFile(t, name)
		seen := 0
		for _, v := range doligoVar.FindAllString(text, -1) {
			seen++
			if !known[v] {
				t.Errorf("%s names %s, which is not in config.Config", name, v)
			}
		}
		if seen == 0 {
			t.Errorf("%s names no DOLIGO_ variable: is the pattern broken?", name)
		}
	}
}

func TestDockerfile(t *testing.T) {
	stages := parseDockerfile(t, readRepoFile(t, "Dockerfile"))
	if len(stages) < 2 {
		t.Fatalf("want a multi-stage build, got %d stage(s)", len(stages))
	}
	builder, final := stages[0], stages[len(stages)-1]

	t.Run("builder", func(t *testing.T) {
		if !strings.HasPrefix(builder.from, "golang:") {
			t.Errorf("builder FROM %s, want an official golang image", builder.from)
		}
		if builder.name == "" {
			t.Error("builder stage has no name (FROM … AS build)")
		}
		if envPairs(t, strings.Join(builder.all("ENV"), " "))["CGO_ENABLED"] != "0" {
			t.Error("builder does not set ENV CGO_ENABLED=0: the binaries must be static")
		}
		var build string
		for _, r := range builder.all("RUN") {
			if strings.Contains(r, "go build") {
				build = r
			}
		}
		for _, want := range []string{"-trimpath", `-ldflags "-s -w -X main.version=${VERSION}"`, "./cmd/api", "./cmd/worker",
			"--mount=type=cache,target=/go/pkg/mod", "--mount=type=cache,target=/root/.cache/go-build"} {
			if !strings.Contains(build, want) {
				t.Errorf("the go build RUN lacks %s: %q", want, build)
			}
		}
	})

	t.Run("final", func(t *testing.T) {
		if final.from != "scratch" {
			t.Fatalf("final stage FROM %s, want scratch", final.from)
		}
		for _, in := range final.body {
			if in.cmd == "RUN" {
				t.Errorf("RUN %s in the scratch stage: there is no shell", in.args)
			}
		}

		users := final.all("USER")
		if len(users) != 1 || !regexp.MustCompile(`^[1-9][0-9]*:[1-9][0-9]*$`).MatchString(users[0]) {
			t.Fatalf("USER %v, want one numeric non-root uid:gid (names need /etc/passwd)", users)
		}
		user := users[0]

		// Every file comes from the builder; the image holds /api, /worker and /data only.
		var files []string
		for _, c := range final.all("COPY") {
			f := strings.Fields(c)
			var flags []string
			for len(f) > 0 && strings.HasPrefix(f[0], "--") {
				flags, f = append(flags, f[0]), f[1:]
			}
			if !slices.Contains(flags, "--from="+builder.name) {
				t.Errorf("COPY %s: want --from=%s", c, builder.name)
			}
			srcs, dst := f[:len(f)-1], f[len(f)-1]
			for _, s := range srcs {
				target := dst
				if strings.HasSuffix(dst, "/") {
					target = path.Join(dst, path.Base(s))
				}
				files = append(files, target)
				if target == "/data" && !slices.Contains(flags, "--chown="+user) {
					t.Errorf("COPY %s: /data must be --chown=%s, the USER, to be writable", c, user)
				}
			}
		}
		slices.Sort(files)
		if want := []string{"/api", "/data", "/worker"}; !slices.Equal(files, want) {
			t.Errorf("scratch stage copies %v, want %v", files, want)
		}

		env := envPairs(t, strings.Join(final.all("ENV"), " "))
		dsn := env["DOLIGO_DB_DSN"]
		if dsn != "file:/data/doligo.db" {
			t.Errorf("ENV DOLIGO_DB_DSN=%q, want file:/data/doligo.db", dsn)
		}
		volumes := final.all("VOLUME")
		if len(volumes) != 1 || !slices.Equal(execForm(t, "VOLUME", volumes[0]), []string{config.SQLiteDataDir(dsn)}) {
			t.Errorf("VOLUME %v, want [%q]: the SQLite data folder", volumes, config.SQLiteDataDir(dsn))
		}

		exposed := strings.Fields(strings.Join(final.all("EXPOSE"), " "))
		slices.Sort(exposed)
		want := []string{port(t, configDefault(t, "DOLIGO_HTTP_ADDR")), port(t, configDefault(t, "DOLIGO_WORKER_HTTP_ADDR"))}
		slices.Sort(want)
		if !slices.Equal(exposed, want) {
			t.Errorf("EXPOSE %v, want the default listen ports %v", exposed, want)
		}

		hc := final.all("HEALTHCHECK")
		if len(hc) != 1 {
			t.Fatalf("want one HEALTHCHECK, got %v", hc)
		}
		_, probe, ok := strings.Cut(hc[0], "CMD ")
		if !ok || !slices.Equal(execForm(t, "HEALTHCHECK", probe), []string{"/api", "healthcheck"}) {
			t.Errorf("HEALTHCHECK %s, want CMD [\"/api\", \"healthcheck\"]", hc[0])
		}
		eps := final.all("ENTRYPOINT")
		if len(eps) != 1 || !slices.Equal(execForm(t, "ENTRYPOINT", eps[0]), []string{"/api"}) {
			t.Errorf("ENTRYPOINT %v, want [\"/api\"]", eps)
		}
	})
}

// composeService is the part of a Compose service the checks read.
type composeService struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Entrypoint  []string          `yaml:"entrypoint"`
	Environment map[string]string `yaml:"environment"`
	Ports       []string          `yaml:"ports"`
	Profiles    []string          `yaml:"profiles"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
}

var interpolation = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}`)

// interpolate resolves ${NAME}, ${NAME:-default} and ${NAME:?message} the way
// Compose does, from vars instead of the shell.
func interpolate(s string, vars map[string]string) (string, error) {
	var err error
	out := interpolation.ReplaceAllStringFunc(s, func(m string) string {
		g := interpolation.FindStringSubmatch(m)
		name, op, arg := g[1], g[2], g[3]
		v, set := vars[name]
		switch {
		case set && (v != "" || !strings.HasPrefix(op, ":")):
			return v
		case strings.HasSuffix(op, "-"):
			return arg
		case strings.HasSuffix(op, "?"):
			err = fmt.Errorf("%s is required: %s", name, arg)
		}
		return ""
	})
	return out, err
}

func TestDockerCompose(t *testing.T) {
	var file struct {
		Services map[string]composeService `yaml:"services"`
	}
	if err := yaml.Unmarshal([]byte(readRepoFile(t, "docker-compose.yml")), &file); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	svc := func(t *testing.T, name string) composeService {
		t.Helper()
		s, ok := file.Services[name]
		if !ok {
			t.Fatalf("no service %q", name)
		}
		return s
	}
	requireHealthy := func(t *testing.T, s composeService, dep string) {
		t.Helper()
		if got := s.DependsOn[dep].Condition; got != "service_healthy" {
			t.Errorf("depends_on %s: condition %q, want service_healthy", dep, got)
		}
	}
	inProfile := func(t *testing.T, s composeService, profile string) {
		t.Helper()
		if profile == "" && len(s.Profiles) > 0 || profile != "" && !slices.Equal(s.Profiles, []string{profile}) {
			t.Errorf("profiles %v, want %q", s.Profiles, profile)
		}
	}

	t.Run("postgres", func(t *testing.T) {
		s := svc(t, "postgres")
		if len(s.Healthcheck.Test) < 2 || !slices.Contains(s.Healthcheck.Test, "pg_isready") {
			t.Errorf("healthcheck %v, want pg_isready", s.Healthcheck.Test)
		}
	})
	t.Run("mailpit", func(t *testing.T) {
		s := svc(t, "mailpit")
		if !strings.HasPrefix(s.Image, "axllent/mailpit") || !slices.Contains(s.Ports, "8025:8025") {
			t.Errorf("image %q ports %v, want axllent/mailpit with its UI on 8025", s.Image, s.Ports)
		}
	})
	t.Run("mariadb", func(t *testing.T) {
		s := svc(t, "mariadb")
		inProfile(t, s, "mysql")
		if s.Image != "mariadb:11" || len(s.Healthcheck.Test) < 2 {
			t.Errorf("image %q healthcheck %v, want mariadb:11 with a healthcheck", s.Image, s.Healthcheck.Test)
		}
	})

	// The application services: what they run, what they wait for and
	// whether the environment they get passes the binaries' own validation.
	apps := []struct {
		name, binary, driver, profile, waitsFor, listenVar string
	}{
		{"api", "/api", "postgres", "", "postgres", "DOLIGO_HTTP_ADDR"},
		{"worker", "/worker", "postgres", "", "api", "DOLIGO_WORKER_HTTP_ADDR"},
		{"api-mysql", "/api", "mysql", "mysql", "mariadb", "DOLIGO_HTTP_ADDR"},
		{"worker-mysql", "/worker", "mysql", "mysql", "api-mysql", "DOLIGO_WORKER_HTTP_ADDR"},
	}
	for _, app := range apps {
		t.Run(app.name, func(t *testing.T) {
			s := svc(t, app.name)
			inProfile(t, s, app.profile)
			if s.Build == nil || s.Image == "" {
				t.Errorf("want the image built from the Dockerfile (build and image), got build %v image %q", s.Build, s.Image)
			}
			if app.binary == "/api" && s.Entrypoint != nil {
				t.Errorf("entrypoint %v: the API uses the image's", s.Entrypoint)
			}
			if app.binary == "/worker" && !slices.Equal(s.Entrypoint, []string{"/worker"}) {
				t.Errorf("entrypoint %v, want [/worker]", s.Entrypoint)
			}
			if want := []string{"CMD", app.binary, "healthcheck"}; !slices.Equal(s.Healthcheck.Test, want) {
				t.Errorf("healthcheck %v, want %v", s.Healthcheck.Test, want)
			}
			requireHealthy(t, s, app.waitsFor)
			if _, ok := file.Services[app.waitsFor]; !ok {
				t.Errorf("depends on %s, which is not a service", app.waitsFor)
			}

			if got := s.Environment["DOLIGO_JWT_SECRET"]; !strings.HasPrefix(got, "${DOLIGO_JWT_SECRET") {
				t.Errorf("DOLIGO_JWT_SECRET is %q: take it from the operator's environment", got)
			}
			if _, err := interpolate(s.Environment["DOLIGO_JWT_SECRET"], nil); err == nil {
				t.Error("DOLIGO_JWT_SECRET has a default: require it with ${DOLIGO_JWT_SECRET:?…}")
			}
			cfg := loadConfig(t, s.Environment, map[string]string{"DOLIGO_JWT_SECRET": strings.Repeat("k", 32)})
			if cfg.DBDriver != app.driver {
				t.Errorf("DOLIGO_DB_DRIVER %q, want %q", cfg.DBDriver, app.driver)
			}
			if cfg.SMTPHost != "mailpit" || cfg.SMTPPort != 1025 {
				t.Errorf("SMTP %s:%d, want mailpit:1025", cfg.SMTPHost, cfg.SMTPPort)
			}
			if _, ok := file.Services[cfg.SMTPHost]; !ok {
				t.Errorf("SMTP host %s is not a service", cfg.SMTPHost)
			}
			listen := cfg.HTTPAddr
			if app.listenVar == "DOLIGO_WORKER_HTTP_ADDR" {
				listen = cfg.WorkerHTTPAddr
			}
			if len(s.Ports) != 1 || !strings.HasSuffix(s.Ports[0], ":"+port(t, listen)) {
				t.Errorf("ports %v, want one mapping to the listen port %s", s.Ports, port(t, listen))
			}
		})
	}
}

// loadConfig runs the binaries' configuration loading on a service's
// environment, interpolated from vars, with no other DOLIGO_ variable set.
func loadConfig(t *testing.T, env, vars map[string]string) config.Config {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "DOLIGO_") {
			t.Setenv(name, "") // restores the original after the test
			os.Unsetenv(name)
		}
	}
	for k, v := range env {
		value, err := interpolate(v, vars)
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		t.Setenv(k, value)
	}
	cfg, err := config.Load()
	if err != nil {
		t.Fatalf("the binaries would refuse this environment: %v", err)
	}
	return cfg
}
