//! sfrest
