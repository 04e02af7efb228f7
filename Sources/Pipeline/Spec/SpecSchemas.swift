// The JSON Schemas for spec files, embedded so validation needs no file lookup at run time.
// They must equal docs/schema/*.json (a test checks); edit both together.
import Formats

public enum SpecSchemas {
    public static let experimentText = #"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://hmpipe.local/schema/experiment.schema.json",
  "title": "hmpipe experiment: one paper table or figure as a grid over named axes",
  "type": "object",
  "required": ["name", "pipelines", "profiles"],
  "additionalProperties": false,
  "properties": {
    "$schema": {"type": "string"},
    "name": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]*$", "description": "Unique spec name; report and status group by it."},
    "description": {"type": "string"},
    "pipelines": {"type": "array", "minItems": 1, "items": {"type": "string"}, "description": "Stage template files, relative to this file."},
    "parameters": {"$ref": "#/$defs/values", "description": "Values for template parameters (override template defaults)."},
    "grid": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "axes": {"type": "object", "additionalProperties": {"type": "array", "minItems": 1}, "description": "Axis name (a template parameter) → values."},
        "exclude": {"type": "array", "items": {"type": "object", "minProperties": 1}, "description": "Partial cells to drop: every given axis must match."},
        "order": {"type": "array", "items": {"type": "string"}, "description": "Axes in the order cells run: the first changes slowest (default: axis names sorted). [\"seed\", …] runs every method of seed 0 before any of seed 1 — Table 4 interleaves its timed methods this way."}
      }
    },
    "profiles": {
      "type": "object",
      "required": ["smoke", "default", "paper"],
      "additionalProperties": {"$ref": "#/$defs/profile"},
      "properties": {
        "smoke": {"$ref": "#/$defs/profile"},
        "default": {"$ref": "#/$defs/profile"},
        "paper": {"$ref": "#/$defs/profile"}
      }
    },
    "targets": {"type": "array", "items": {"type": "string"}, "description": "Template stages to build (with their inputs); default: all."},
    "report": {
      "type": "object",
      "description": "How `hmpipe report` lays out this spec as the paper's table (see docs/reports.md).",
      "properties": {
        "claims": {"type": "array", "items": {"$ref": "#/$defs/claim"}, "description": "The paper's qualitative claims, each tested on paired per-seed differences (Holm over the table's claims)."},
        "summary": {"enum": ["mean", "median"], "description": "How a cell sums up its seeds: mean ± sd (default), or median [min–max] for repeated timings (Table 4), whose ratio rows are then the median [min–max] of per-seed ratios."}
      }
    }
  },
  "$defs": {
    "claim": {
      "type": "object",
      "required": ["text"],
      "additionalProperties": false,
      "properties": {
        "text": {"type": "string", "description": "The claim as the report prints it."},
        "kind": {"enum": ["beats", "improves", "gap_grows"], "description": "beats (default): better > worse; improves: row (every row if absent) better at the last column than the first; gap_grows: better − worse larger at the last column than the first."},
        "better": {"type": "string", "description": "Row key (beats, gap_grows)."},
        "worse": {"type": "string", "description": "Row key (beats, gap_grows)."},
        "row": {"type": "string", "description": "Row key (improves)."},
        "column": {"type": "string", "description": "beats only: compare in this column instead of the average over columns; a column the table lacks (another profile's) leaves the claim out."},
        "margin": {"type": "number", "minimum": 0, "description": "beats only: an \"at least as good\" claim — non-inferiority margin in the metric's units; reproduced when the 95 % interval of better − worse lies above −margin."}
      }
    },
    "values": {"type": "object", "additionalProperties": {"type": ["string", "integer", "number", "boolean", "array", "object", "null"]}},
    "profile": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "description": {"type": "string"},
        "parameters": {"$ref": "#/$defs/values"},
        "axes": {"type": "object", "additionalProperties": {"type": "array", "minItems": 1}},
        "exclude": {"type": "array", "items": {"type": "object", "minProperties": 1}},
        "resources": {"type": "object", "additionalProperties": {"$ref": "#/$defs/resources"},
                      "description": "Template stage name → cluster resources for this profile (over the template's)."}
      }
    },
    "resources": {
      "type": "object",
      "additionalProperties": false,
      "description": "What a cluster job for this stage requests (hmpipe run --executor slurm), and whether the stage runs alone (any executor); never part of the cache key.",
      "properties": {
        "cpus": {"type": "integer", "minimum": 1},
        "memory_mb": {"type": "integer", "minimum": 1},
        "time_minutes": {"type": "integer", "minimum": 1},
        "exclusive": {"type": "boolean", "description": "Run this stage alone: hmpipe run starts it only when no other stage of the run is running and starts nothing else until it ends, whatever -j is (Slurm: also sbatch --exclusive). For stages that time something."}
      }
    }
  }
}
"""#

    public static let pipelineText = #"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://hmpipe.local/schema/pipeline.schema.json",
  "title": "hmpipe pipeline: stage templates with typed parameters",
  "type": "object",
  "required": ["name", "stages"],
  "additionalProperties": false,
  "properties": {
    "$schema": {"type": "string"},
    "name": {"type": "string"},
    "description": {"type": "string"},
    "parameters": {
      "type": "object",
      "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
      "additionalProperties": {"$ref": "#/$defs/parameter"}
    },
    "stages": {
      "type": "object",
      "minProperties": 1,
      "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_-]*$"},
      "additionalProperties": {"$ref": "#/$defs/stage"}
    }
  },
  "$defs": {
    "parameter": {
      "type": "object",
      "required": ["type"],
      "additionalProperties": false,
      "properties": {
        "type": {"enum": ["string", "integer", "number", "boolean", "array", "object"]},
        "default": {},
        "enum": {"type": "array", "minItems": 1},
        "description": {"type": "string"}
      }
    },
    "stage": {
      "type": "object",
      "required": ["kind"],
      "additionalProperties": false,
      "properties": {
        "kind": {"type": "string", "description": "A registered stage kind, e.g. command."},
        "description": {"type": "string"},
        "params": {"type": "object", "description": "Kind parameters; strings interpolate ${parameter}; \"${p}\" alone keeps p's type."},
        "inputs": {"type": "object", "additionalProperties": {"$ref": "#/$defs/input"}},
        "resources": {"$ref": "#/$defs/resources"}
      }
    },
    "resources": {
      "type": "object",
      "additionalProperties": false,
      "description": "What a cluster job for this stage requests (hmpipe run --executor slurm), and whether the stage runs alone (any executor); never part of the cache key.",
      "properties": {
        "cpus": {"type": "integer", "minimum": 1},
        "memory_mb": {"type": "integer", "minimum": 1},
        "time_minutes": {"type": "integer", "minimum": 1},
        "exclusive": {"type": "boolean", "description": "Run this stage alone: hmpipe run starts it only when no other stage of the run is running and starts nothing else until it ends, whatever -j is (Slurm: also sbatch --exclusive). For stages that time something."}
      }
    },
    "input": {
      "anyOf": [
        {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_-]*:[A-Za-z0-9._-]+$", "description": "stage:output"},
        {"type": "object", "required": ["file"], "additionalProperties": false,
         "properties": {"file": {"type": "string", "description": "A file relative to the pipeline file; its content hash enters the cache key."}}}
      ]
    }
  }
}
"""#

    public static let experiment = JSONSchema(try! JSONValue.parse(experimentText))
    public static let pipeline = JSONSchema(try! JSONValue.parse(pipelineText))
}
