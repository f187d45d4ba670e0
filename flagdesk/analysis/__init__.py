"""Pure analysis over plain records: opportunities, savings, pipeline, suppliers, classification."""
