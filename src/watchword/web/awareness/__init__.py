"""The public awareness page: what people reported recently, in aggregate."""
