"""Pipeline stages. Each subpackage is one stage; plain functions live beside the asset that calls
them so they are tested without Dagster."""
