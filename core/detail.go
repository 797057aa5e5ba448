package core

import (
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/params"
)

type paramsCreate = params.Create

func parseCreate(name, js string) (*params.Create, error) { return params.ParseCreate(name, js) }

// DetailInfo describes one piece of introspection data (VSAG's IndexDetailInfo).
type DetailInfo struct {
	Name        string
	Description string
	// Type is "scalar64", "string" or "array_int64".
	Type string
}

// DetailData is the value of one DetailInfo; the field matching its Type is set.
type DetailData struct {
	Scalar64   int64
	String     string
	ArrayInt64 []int64
}

var detailInfos = []DetailInfo{
	{"num_elements", "number of live vectors", "scalar64"},
	{"num_removed", "number of vectors marked removed", "scalar64"},
	{"dim", "vector dimension", "scalar64"},
	{"data_type", "input dtype", "string"},
	{"metric_type", "distance metric", "string"},
	{"index_name", "index type", "string"},
	{"memory_usage", "bytes held by the index", "scalar64"},
	{"label_table", "live labels in ascending order", "array_int64"},
}

// GetIndexDetailInfos lists the introspection data the index offers.
func (x *Index) GetIndexDetailInfos() []DetailInfo { return append([]DetailInfo(nil), detailInfos...) }

// GetDetailDataByName returns one piece of introspection data; unknown names are INVALID_ARGUMENT.
func (x *Index) GetDetailDataByName(name string) (DetailData, error) {
	switch name {
	case "num_elements":
		return DetailData{Scalar64: x.GetNumElements()}, nil
	case "num_removed":
		return DetailData{Scalar64: x.GetNumberRemoved()}, nil
	case "dim":
		return DetailData{Scalar64: int64(x.create.Dim)}, nil
	case "data_type":
		return DetailData{String: string(x.create.DType)}, nil
	case "metric_type":
		return DetailData{String: x.create.Metric.String()}, nil
	case "index_name":
		return DetailData{String: x.name}, nil
	case "memory_usage":
		return DetailData{Scalar64: x.GetMemoryUsage()}, nil
	case "label_table":
		return DetailData{ArrayInt64: x.ExportIDs()}, nil
	}
	return DetailData{}, api.Errorf(api.InvalidArgument, "detail data %q does not exist", name)
}
