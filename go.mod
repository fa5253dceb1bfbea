module kechuang

go 1.26.0

require (
	cel.dev/cel-go v0.33.2 // indirect
	go.yaml.in/yaml/v3 v3.0.6 // indirect
	golang.org/x/exp v0.0.0-20261014143641-f0251eb4aa3e // indirect
	pgregory.net/rapid v1.3.0 // indirect
)
