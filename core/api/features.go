package api

// Feature is a capability flag, numbered as VSAG's IndexFeature enum.
type Feature int

// VSAG's feature flags. An index reports a flag only when the operation really works.
const (
	NeedTrain                         Feature = 1
	SupportBuild                      Feature = 2
	SupportAddAfterBuild              Feature = 3
	SupportAddFromEmpty               Feature = 4
	SupportKnnSearch                  Feature = 5
	SupportKnnSearchWithIDFilter      Feature = 6
	SupportRangeSearch                Feature = 7
	SupportRangeSearchWithIDFilter    Feature = 8
	SupportKnnIteratorFilterSearch    Feature = 9
	SupportDeleteByID                 Feature = 10
	SupportBatchSearch                Feature = 11
	SupportMetricTypeL2               Feature = 12
	SupportMetricTypeInnerProduct     Feature = 13
	SupportMetricTypeCosine           Feature = 14
	SupportSerializeFile              Feature = 15
	SupportSerializeBinarySet         Feature = 16
	SupportSerializeWriteFunc         Feature = 17
	SupportDeserializeFile            Feature = 18
	SupportDeserializeBinarySet       Feature = 19
	SupportDeserializeReaderSet       Feature = 20
	SupportReset                      Feature = 21
	SupportFeedback                   Feature = 22
	SupportCalDistanceByID            Feature = 23
	SupportTrainWithMultiThread       Feature = 24
	SupportBuildWithMultiThread       Feature = 25
	SupportBatchAddWithMultiThread    Feature = 26
	SupportSearchOneWithMultiThread   Feature = 27
	SupportBatchSearchWithMultiThread Feature = 28
	SupportAddConcurrent              Feature = 29
	SupportUpdateIDConcurrent         Feature = 30
	SupportUpdateVectorConcurrent     Feature = 31
	SupportUpdateExtraInfoConcurrent  Feature = 32
	SupportSearchConcurrent           Feature = 33
	SupportDeleteConcurrent           Feature = 34
	SupportAddSearchConcurrent        Feature = 35
	SupportAddDeleteConcurrent        Feature = 36
	SupportSearchDeleteConcurrent     Feature = 37
	SupportAddSearchDeleteConcurrent  Feature = 38
	SupportEstimateMemory             Feature = 39
	SupportGetMemoryUsage             Feature = 40
	SupportCheckIDExist               Feature = 41
	SupportMergeIndex                 Feature = 42
	SupportGetExtraInfoByID           Feature = 43
	SupportGetRawVectorByIDs          Feature = 44
	SupportGetDataByIDs               Feature = 45
	SupportExportIDs                  Feature = 46
	SupportKnnSearchWithExFilter      Feature = 47
	SupportClone                      Feature = 48
	SupportExportModel                Feature = 49
	SupportTune                       Feature = 50
	SupportBatchCalcDistanceByID      Feature = 51
	SupportContinueSearchSession      Feature = 52
	SupportGetStats                   Feature = 53
	SupportAnalyzeIndexBySearch       Feature = 54
	maxFeature                                = SupportAnalyzeIndexBySearch
)

// MaxFeature is the highest feature number defined.
const MaxFeature = maxFeature

// FeatureSet is a set of features.
type FeatureSet uint64

// NewFeatureSet returns the set holding fs.
func NewFeatureSet(fs ...Feature) FeatureSet {
	var s FeatureSet
	for _, f := range fs {
		s = s.With(f)
	}
	return s
}

// With returns s plus f.
func (s FeatureSet) With(f Feature) FeatureSet {
	if f < 1 || f > maxFeature {
		return s
	}
	return s | 1<<uint(f)
}

// Without returns s minus f.
func (s FeatureSet) Without(f Feature) FeatureSet {
	if f < 1 || f > maxFeature {
		return s
	}
	return s &^ (1 << uint(f))
}

// Has reports whether f is in s.
func (s FeatureSet) Has(f Feature) bool {
	if f < 1 || f > maxFeature {
		return false
	}
	return s&(1<<uint(f)) != 0
}

// List returns the features in s in ascending order.
func (s FeatureSet) List() []Feature {
	var out []Feature
	for f := Feature(1); f <= maxFeature; f++ {
		if s.Has(f) {
			out = append(out, f)
		}
	}
	return out
}
