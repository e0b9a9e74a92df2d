package handlers

import (
	"github.com/gin-gonic/gin"

	"github.com/amplive/amplive/content"
)

// handleCart handles GET /v1/cart?t=…:
// {"items":[{sku,title,url,image,qty,price_text}],"count":N,"subtotal":M,
// "currency":"USD","subtotal_text":"…"}; an unknown profile has an empty cart.
func (s *Server) handleCart() gin.HandlerFunc {
	return func(c *gin.Context) {
		read, cat := s.readProfile(c), s.store.Catalog()
		s.answers.serve(c, memoKey("cart", claimsOf(c).Subject, ""), read, cat.LoadedAt(), func() any {
			return content.Cart(read, cat)
		})
	}
}
