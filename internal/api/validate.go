package api

import (
	"errors"
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"
	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
)

// Validator adapts go-playground/validator to Echo; failures become a
// domain.ValidationError naming fields by their JSON names.
type Validator struct{ v *validator.Validate }

// NewValidator returns a validator that reports JSON field names.
func NewValidator() *Validator {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		if name == "" {
			name, _, _ = strings.Cut(f.Tag.Get("query"), ",")
		}
		return name
	})
	return &Validator{v: v}
}

// Validate implements echo.Validator.
func (cv *Validator) Validate(i any) error {
	err := cv.v.Struct(i)
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return err
	}
	out := &domain.ValidationError{}
	for _, fe := range verrs {
		out.Add(fieldPath(fe), "%s", message(fe))
	}
	return out
}

// fieldPath drops the struct name: "createUserRequest.roles[0]" → "roles[0]".
func fieldPath(fe validator.FieldError) string {
	ns := fe.Namespace()
	if _, rest, ok := strings.Cut(ns, "."); ok {
		return rest
	}
	return fe.Field()
}

func message(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return "is required"
	case "email":
		return "must be an e-mail address"
	case "min":
		if fe.Kind() == reflect.String {
			return "must be at least " + fe.Param() + " characters"
		}
		return "must be at least " + fe.Param()
	case "max":
		if fe.Kind() == reflect.String {
			return "must be at most " + fe.Param() + " characters"
		}
		return "must be at most " + fe.Param()
	case "gt":
		return "must be greater than " + fe.Param()
	case "gte":
		return "must be at least " + fe.Param()
	case "oneof":
		return "must be one of " + fe.Param()
	default:
		return "fails the " + fe.Tag() + " rule"
	}
}

// Bind decodes the JSON body into req strictly (see decodeBody: 415 when it
// is not application/json, 400 when it is not one JSON object of the right
// shape, 422 naming unknown or miscased fields and strings breaking the text
// rule) and validates it (422 with every invalid field). Every handler binds
// through it, so these rules hold for every body.
func Bind(c echo.Context, req any) error {
	if err := decodeBody(c, req); err != nil {
		return err
	}
	return c.Validate(req)
}

// withFieldsOf adds to verr the fields of more that it does not name yet.
func withFieldsOf(verr, more *domain.ValidationError) error {
	verr.Fields = domain.MergeFieldErrors(verr.Fields, more.Fields)
	return verr
}
